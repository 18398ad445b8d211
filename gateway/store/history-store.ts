/**
 * History and twin persistence. Writes are buffered and flushed in one transaction per
 * batchMaxMs or batchMaxRows (whichever first), so ingest is not bound by fsync; a bounded
 * buffer drops (and counts) the oldest rows if the disk cannot keep up. Retention runs apart.
 */
import type { HistoryKind, HistoryQuery, HistoryRow, TwinValue } from '../hub/types.js';
import type { Db } from './database.js';

export interface HistoryStoreOptions {
  batchMaxRows: number;
  batchMaxMs: number;
  bufferMaxRows: number;
  maxQueryRows: number;
}

interface PendingHistory { thingId: string; name: string; ts: number; seq: number; kind: number; value: string }
interface PendingTwin { thingId: string; name: string; value: string; ts: number; source: string }

const KIND_CODE: Record<HistoryKind, number> = { property: 0, event: 1 };
const KIND_NAME: readonly HistoryKind[] = ['property', 'event'];

export class HistoryStore {
  rowsWritten = 0;
  rowsDropped = 0;
  batches = 0;

  private readonly opts: HistoryStoreOptions;
  private pending: PendingHistory[] = [];
  private twinPending = new Map<string, PendingTwin>();
  private timer: NodeJS.Timeout | null = null;
  /** After close() nothing is buffered: a late report from a stopping binding is counted as dropped. */
  private closed = false;
  private seq = Date.now() * 1000;
  private readonly insertHistory;
  private readonly upsertTwin;
  private readonly writeBatch;
  private readonly db: Db;

  constructor(db: Db, opts: HistoryStoreOptions) {
    this.db = db;
    this.opts = opts;
    this.insertHistory = db.prepare('INSERT INTO history (thing_id, name, ts, seq, kind, value) VALUES (?, ?, ?, ?, ?, ?)');
    this.upsertTwin = db.prepare(`
      INSERT INTO twin (thing_id, name, value, ts, source) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (thing_id, name) DO UPDATE SET value = excluded.value, ts = excluded.ts, source = excluded.source
      WHERE excluded.ts >= twin.ts`);
    this.writeBatch = db.transaction((rows: PendingHistory[], twins: PendingTwin[]) => {
      for (const r of rows) this.insertHistory.run(r.thingId, r.name, r.ts, r.seq, r.kind, r.value);
      for (const t of twins) this.upsertTwin.run(t.thingId, t.name, t.value, t.ts, t.source);
    });
  }

  /** Buffers one history row. */
  append(thingId: string, name: string, kind: HistoryKind, ts: number, value: unknown): void {
    if (this.closed) {
      this.rowsDropped++;
      return;
    }
    if (this.pending.length >= this.opts.bufferMaxRows) {
      this.pending.shift();
      this.rowsDropped++;
    }
    this.pending.push({ thingId, name, ts, seq: this.seq++, kind: KIND_CODE[kind], value: JSON.stringify(value ?? null) });
    this.schedule();
  }

  /** Buffers the twin's new value (only the latest per property is written). */
  setTwin(thingId: string, name: string, v: TwinValue): void {
    if (this.closed) return;
    this.twinPending.set(`${thingId}\u0000${name}`, { thingId, name, value: JSON.stringify(v.value ?? null), ts: v.ts, source: v.source });
    this.schedule();
  }

  private schedule(): void {
    if (this.pending.length >= this.opts.batchMaxRows) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.opts.batchMaxMs);
  }

  /** Writes everything buffered in one transaction. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0 && this.twinPending.size === 0) return;
    const rows = this.pending;
    const twins = [...this.twinPending.values()];
    this.pending = [];
    this.twinPending = new Map();
    this.writeBatch(rows, twins);
    this.rowsWritten += rows.length;
    this.batches++;
  }

  /** Rows buffered and not yet written. */
  get buffered(): number {
    return this.pending.length;
  }

  loadTwin(): Array<{ thingId: string; name: string; value: TwinValue }> {
    const rows = this.db.prepare('SELECT thing_id, name, value, ts, source FROM twin').all() as Array<{
      thing_id: string; name: string; value: string; ts: number; source: string;
    }>;
    return rows.map((r) => ({ thingId: r.thing_id, name: r.name, value: { value: JSON.parse(r.value), ts: r.ts, source: r.source } }));
  }

  query(q: HistoryQuery): HistoryRow[] {
    this.flush();
    const limit = Math.min(q.limit ?? 1000, this.opts.maxQueryRows);
    const order = q.order === 'desc' ? 'DESC' : 'ASC';
    const where = ['thing_id = ?'];
    const args: unknown[] = [q.thingId];
    if (q.name !== undefined) { where.push('name = ?'); args.push(q.name); }
    if (q.kind !== undefined) { where.push('kind = ?'); args.push(KIND_CODE[q.kind]); }
    if (q.from !== undefined) { where.push('ts >= ?'); args.push(q.from); }
    if (q.to !== undefined) { where.push('ts < ?'); args.push(q.to); }
    const sql = `SELECT thing_id, name, ts, kind, value FROM history WHERE ${where.join(' AND ')} ORDER BY ts ${order}, seq ${order} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, limit) as Array<{ thing_id: string; name: string; ts: number; kind: number; value: string }>;
    return rows.map((r) => ({ thingId: r.thing_id, name: r.name, kind: KIND_NAME[r.kind] ?? 'property', ts: r.ts, value: JSON.parse(r.value) }));
  }

  /** Deletes rows older than maxAgeMs and, per thing, beyond the newest maxRowsPerThing. Returns rows deleted. */
  enforceRetention(now: number, maxAgeMs: number, maxRowsPerThing: number): number {
    this.flush();
    let deleted = this.db.prepare('DELETE FROM history WHERE ts < ?').run(now - maxAgeMs).changes;
    const things = this.db.prepare('SELECT DISTINCT thing_id FROM history').pluck().all() as string[];
    const cutoffStmt = this.db.prepare('SELECT ts FROM history WHERE thing_id = ? ORDER BY ts DESC LIMIT 1 OFFSET ?').pluck();
    const del = this.db.prepare('DELETE FROM history WHERE thing_id = ? AND ts < ?');
    for (const id of things) {
      const cutoff = cutoffStmt.get(id, maxRowsPerThing - 1) as number | undefined;
      if (cutoff !== undefined) deleted += del.run(id, cutoff).changes;
    }
    return deleted;
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
