/**
 * Persistence of thing records (native and consumer TD) in the `things` table.
 */
import type { ThingDescription } from '../binding.js';
import type { ThingRecord } from '../hub/types.js';
import type { Db } from './database.js';

interface ThingRow {
  id: string;
  binding: string;
  device_id: string;
  native_td: string;
  consumer_td: string;
  sleepy: number;
  created_at: number;
  updated_at: number;
  removed_at: number | null;
}

export type StoredThing = Omit<ThingRecord, 'online'>;

function fromRow(r: ThingRow): StoredThing {
  return {
    id: r.id,
    binding: r.binding,
    deviceId: r.device_id,
    nativeTd: JSON.parse(r.native_td) as ThingDescription,
    consumerTd: JSON.parse(r.consumer_td) as ThingDescription,
    sleepy: r.sleepy === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    removedAt: r.removed_at,
  };
}

export class ThingStore {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly removeStmt;
  private readonly deleteStmt;
  private readonly allStmt;

  constructor(db: Db) {
    this.upsertStmt = db.prepare(`
      INSERT INTO things (id, binding, device_id, native_td, consumer_td, sleepy, created_at, updated_at, removed_at)
      VALUES (@id, @binding, @deviceId, @nativeTd, @consumerTd, @sleepy, @createdAt, @updatedAt, NULL)
      ON CONFLICT (id) DO UPDATE SET binding = excluded.binding, device_id = excluded.device_id,
        native_td = excluded.native_td, consumer_td = excluded.consumer_td, sleepy = excluded.sleepy,
        updated_at = excluded.updated_at, removed_at = NULL`);
    this.getStmt = db.prepare<[string], ThingRow>('SELECT * FROM things WHERE id = ?');
    this.removeStmt = db.prepare('UPDATE things SET removed_at = ?, updated_at = ? WHERE id = ?');
    this.deleteStmt = db.prepare('DELETE FROM things WHERE id = ?');
    this.allStmt = db.prepare<[], ThingRow>('SELECT * FROM things WHERE removed_at IS NULL ORDER BY id');
  }

  upsert(t: StoredThing): void {
    this.upsertStmt.run({
      id: t.id,
      binding: t.binding,
      deviceId: t.deviceId,
      nativeTd: JSON.stringify(t.nativeTd),
      consumerTd: JSON.stringify(t.consumerTd),
      sleepy: t.sleepy ? 1 : 0,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
    });
  }

  get(id: string): StoredThing | undefined {
    const row = this.getStmt.get(id);
    return row ? fromRow(row) : undefined;
  }

  /** Tombstones a thing: not listed any more, history and queue rows kept. */
  markRemoved(id: string, at: number): void {
    this.removeStmt.run(at, at, id);
  }

  /** Deletes the row (directory API DELETE of a client-registered TD). */
  delete(id: string): void {
    this.deleteStmt.run(id);
  }

  /** Every live thing, ordered by id (the directory keeps them in memory). */
  all(): StoredThing[] {
    return this.allStmt.all().map(fromRow);
  }
}
