/**
 * Hono request-response commands kept across restarts (rows of `uplink_state` under `hono:`): each
 * command waiting for its queue item to finish, and each response that could not go out because
 * the link was down. A command for a sleeping device may wait hours for its wake; a gateway restart
 * meanwhile must not leave the Hono application without its answer. Writes are single rows, made
 * when a command arrives and when its answer is published, so they cost nothing on the data path.
 */
import type { Db } from '../store/database.js';

/** A request-response command: the thing it was for and Hono's request id. */
export interface HonoRequest { thingId: string; reqId: string }

/** An answer kept until the link takes it. */
export interface HonoUnsent { status: number; body: unknown }

export interface HonoPendingRow { key: string; request: HonoRequest; unsent?: HonoUnsent; at: number }

const PREFIX = 'hono:';

export class HonoPendingStore {
  private readonly put;
  private readonly del;
  private readonly all;

  constructor(db: Db) {
    this.put = db.prepare('INSERT INTO uplink_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.del = db.prepare('DELETE FROM uplink_state WHERE key = ?');
    // `hono:` then `hono;` (the next character): every key with the prefix, by the primary key.
    this.all = db.prepare("SELECT key, value FROM uplink_state WHERE key >= 'hono:' AND key < 'hono;'");
  }

  /** Keeps a command (key: its queue item id) or an answer not yet sent (key of the caller's choosing). */
  save(key: string, request: HonoRequest, at: number, unsent?: HonoUnsent): void {
    this.put.run(PREFIX + key, JSON.stringify(unsent ? { ...request, at, unsent } : { ...request, at }));
  }

  remove(key: string): void {
    this.del.run(PREFIX + key);
  }

  /** Everything kept, oldest first (by `at`); rows that do not parse are dropped (and counted by the caller). */
  load(): { rows: HonoPendingRow[]; unreadable: number } {
    const rows: HonoPendingRow[] = [];
    let unreadable = 0;
    for (const { key, value } of this.all.all() as Array<{ key: string; value: string }>) {
      const row = parseRow(key.slice(PREFIX.length), value);
      if (row) rows.push(row);
      else {
        unreadable++;
        this.del.run(key);
      }
    }
    rows.sort((a, b) => a.at - b.at);
    return { rows, unreadable };
  }
}

function parseRow(key: string, value: string): HonoPendingRow | null {
  try {
    const v = JSON.parse(value) as { thingId?: unknown; reqId?: unknown; at?: unknown; unsent?: { status?: unknown; body?: unknown } };
    if (typeof v.thingId !== 'string' || typeof v.reqId !== 'string' || typeof v.at !== 'number') return null;
    const request = { thingId: v.thingId, reqId: v.reqId };
    if (v.unsent === undefined) return { key, request, at: v.at };
    if (typeof v.unsent.status !== 'number') return null;
    return { key, request, at: v.at, unsent: { status: v.unsent.status, body: v.unsent.body ?? null } };
  } catch {
    return null;
  }
}
