/**
 * History, twin and binding-state persistence with group commit. Writes are buffered and
 * committed in one transaction per batchMaxMs or batchMaxRows (whichever first), or at the next
 * turn of the event loop when an acknowledgement waits for them, so ingest is not bound by fsync; `committed()` resolves once everything buffered before the call is durable,
 * which is what a binding waits for before it acknowledges a device (ARCHITECTURE.md "The device
 * contract": an acknowledgement means "stored"). A full buffer is written at once (back-pressure);
 * rows are dropped (counted) only when the disk refuses them, and then the waiting acknowledgements
 * fail instead of lying.
 */
import type { HistoryKind, HistoryQuery, HistoryRow, TwinValue } from '../hub/types.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

export interface HistoryStoreOptions {
  batchMaxRows: number;
  batchMaxMs: number;
  bufferMaxRows: number;
  maxQueryRows: number;
}

interface PendingHistory { thingId: string; name: string; ts: number; seq: number; kind: number; value: string }
interface PendingTwin { value: string; ts: number; source: string }
/** Twin writes waiting for the batch, per thing and property: no key string built per reading. */
type PendingTwins = Map<string, Map<string, PendingTwin>>;
/** A binding-state write; value null deletes the key. */
interface PendingState { binding: string; key: string; value: string | null }

/** Callers of committed() waiting for the batch being filled. */
interface Waiters { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void }

const KIND_CODE: Record<HistoryKind, number> = { property: 0, event: 1 };
const KIND_NAME: readonly HistoryKind[] = ['property', 'event'];

/** Series merged in one compound SELECT (SQLite allows 500); a thing with more is merged here. */
const MAX_MERGED_NAMES = 100;
const MAX_PREPARED_RANGES = 64;

interface StoredRow { thing_id: string; name: string; ts: number; seq: number; kind: number; value: string }

function toHistoryRow(r: StoredRow): HistoryRow {
  return { thingId: r.thing_id, name: r.name, kind: KIND_NAME[r.kind] ?? 'property', ts: r.ts, value: JSON.parse(r.value) };
}

function newWaiters(): Waiters {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody awaits must not become an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export class HistoryStore {
  rowsWritten = 0;
  rowsDropped = 0;
  batches = 0;
  /** Transactions that failed (disk full, I/O error); their rows wait for the next try. */
  writeFailures = 0;
  private failing = false;

  private readonly opts: HistoryStoreOptions;
  private pending: PendingHistory[] = [];
  private twinPending: PendingTwins = new Map();
  private statePending = new Map<string, PendingState>();
  private waiters: Waiters | null = null;
  /** Set when rows were dropped from the batch being filled: its acknowledgements must fail. */
  private lossy = false;
  private timer: NodeJS.Timeout | null = null;
  /** The flush at the next turn that a waiting acknowledgement asked for. */
  private soon: NodeJS.Immediate | null = null;
  /** After close() nothing is buffered: a late report from a stopping binding is counted as dropped. */
  private closed = false;
  private seq = Date.now() * 1000;
  private readonly insertHistory;
  private readonly upsertTwin;
  private readonly deleteTwinRows;
  private readonly upsertState;
  private readonly deleteState;
  private readonly writeBatch;
  /** The names a thing has history under: a skip over the primary key, one seek per name. */
  private readonly namesOf;
  private readonly rangeStmts = new Map<string, Statement>();
  private readonly db: Db;

  constructor(db: Db, opts: HistoryStoreOptions) {
    this.db = db;
    this.opts = opts;
    this.insertHistory = db.prepare('INSERT INTO history (thing_id, name, ts, seq, kind, value) VALUES (?, ?, ?, ?, ?, ?)');
    this.upsertTwin = db.prepare(`
      INSERT INTO twin (thing_id, name, value, ts, source) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (thing_id, name) DO UPDATE SET value = excluded.value, ts = excluded.ts, source = excluded.source
      WHERE excluded.ts >= twin.ts`);
    this.deleteTwinRows = db.prepare('DELETE FROM twin WHERE thing_id = ?');
    this.upsertState = db.prepare(`
      INSERT INTO binding_state (binding, key, value) VALUES (?, ?, ?)
      ON CONFLICT (binding, key) DO UPDATE SET value = excluded.value`);
    this.deleteState = db.prepare('DELETE FROM binding_state WHERE binding = ? AND key = ?');
    this.namesOf = db.prepare(`
      WITH RECURSIVE names (name) AS (
        SELECT (SELECT min(name) FROM history WHERE thing_id = @thing)
        UNION ALL SELECT (SELECT min(name) FROM history WHERE thing_id = @thing AND name > names.name) FROM names WHERE names.name IS NOT NULL)
      SELECT name FROM names WHERE name IS NOT NULL`).pluck();
    this.writeBatch = db.transaction((rows: PendingHistory[], twins: PendingTwins, states: PendingState[]) => {
      for (const r of rows) this.insertHistory.run(r.thingId, r.name, r.ts, r.seq, r.kind, r.value);
      for (const [thingId, names] of twins) for (const [name, t] of names) this.upsertTwin.run(thingId, name, t.value, t.ts, t.source);
      for (const st of states) {
        if (st.value === null) this.deleteState.run(st.binding, st.key);
        else this.upsertState.run(st.binding, st.key, st.value);
      }
    });
  }

  /** Buffers one history row. */
  append(thingId: string, name: string, kind: HistoryKind, ts: number, value: unknown): void {
    if (this.closed) {
      this.rowsDropped++;
      return;
    }
    if (this.pending.length >= this.opts.bufferMaxRows) {
      // Back-pressure first: a full buffer is written now. Only if the disk refuses it are rows dropped.
      this.flush();
      if (this.pending.length >= this.opts.bufferMaxRows) {
        this.pending.shift();
        this.rowsDropped++;
        this.lossy = true;
      }
    }
    this.pending.push({ thingId, name, ts, seq: this.seq++, kind: KIND_CODE[kind], value: JSON.stringify(value ?? null) });
    this.schedule();
  }

  /** Buffers the twin's new value (only the latest per property is written). */
  setTwin(thingId: string, name: string, v: TwinValue): void {
    if (this.closed) return;
    let names = this.twinPending.get(thingId);
    if (!names) {
      names = new Map();
      this.twinPending.set(thingId, names);
    }
    names.set(name, { value: JSON.stringify(v.value ?? null), ts: v.ts, source: v.source });
    this.schedule();
  }

  /** A removed thing's twin values: its buffered ones dropped, its stored ones deleted now. */
  deleteTwin(thingId: string): void {
    if (this.closed) return;
    this.twinPending.delete(thingId);
    this.deleteTwinRows.run(thingId);
  }

  /** Buffers a binding's state write (value undefined deletes the key); committed with the next batch. */
  putState(binding: string, key: string, value: unknown): void {
    if (this.closed) return;
    this.statePending.set(`${binding}\u0000${key}`, { binding, key, value: value === undefined ? null : JSON.stringify(value) });
    this.schedule();
  }

  /** A binding's state as committed, with the writes still buffered applied on top. */
  loadState(binding: string): Map<string, unknown> {
    const rows = this.db.prepare('SELECT key, value FROM binding_state WHERE binding = ?').all(binding) as Array<{ key: string; value: string }>;
    const out = new Map<string, unknown>(rows.map((r) => [r.key, JSON.parse(r.value)]));
    for (const p of this.statePending.values()) {
      if (p.binding !== binding) continue;
      if (p.value === null) out.delete(p.key);
      else out.set(p.key, JSON.parse(p.value));
    }
    return out;
  }

  /**
   * Resolves once everything buffered before this call is committed (at once when nothing is);
   * rejects when that transaction failed or rows of it were dropped.
   */
  committed(): Promise<void> {
    if (this.pending.length === 0 && this.twinPending.size === 0 && this.statePending.size === 0) return Promise.resolve();
    if (!this.waiters) {
      this.waiters = newWaiters();
      // Someone waits to acknowledge a device: the batch goes at the next turn of the event loop,
      // with everything that arrived in this one (group commit without a timer in the answer's path:
      // under load the transaction takes a turn's worth of datagrams, and while its fsync runs the
      // next turn's pile up).
      this.soon ??= setImmediate(() => {
        this.soon = null;
        if (this.waiters) this.flush();
      });
    }
    return this.waiters.promise;
  }

  private schedule(): void {
    // After a failed write (a full disk) the retry timer paces the next try: a batch retried at every append is quadratic.
    if (this.pending.length >= this.opts.batchMaxRows && !this.failing) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.opts.batchMaxMs);
  }

  /** Writes everything buffered in one transaction. On failure the rows stay buffered for the next try. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const waiters = this.waiters;
    this.waiters = null;
    if (this.pending.length === 0 && this.twinPending.size === 0 && this.statePending.size === 0) {
      waiters?.resolve();
      return;
    }
    const rows = this.pending;
    const twins = this.twinPending;
    const states = this.statePending;
    const lossy = this.lossy;
    this.pending = [];
    this.twinPending = new Map();
    this.statePending = new Map();
    this.lossy = false;
    try {
      this.writeBatch(rows, twins, [...states.values()]);
    } catch (err) {
      // The transaction rolled back: keep what it held (newer writes win), fail its acknowledgements.
      this.writeFailures++;
      this.failing = true;
      this.pending = rows.concat(this.pending);
      for (const [thingId, names] of twins) {
        const newer = this.twinPending.get(thingId);
        if (!newer) this.twinPending.set(thingId, names);
        else for (const [name, v] of names) if (!newer.has(name)) newer.set(name, v);
      }
      for (const [k, v] of states) if (!this.statePending.has(k)) this.statePending.set(k, v);
      if (!this.closed) this.timer ??= setTimeout(() => this.flush(), Math.max(this.opts.batchMaxMs, 1000));
      waiters?.reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.failing = false;
    this.rowsWritten += rows.length;
    this.batches++;
    if (lossy) waiters?.reject(new Error('history rows were dropped before they could be written'));
    else waiters?.resolve();
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
    // Without a name: one range of the primary key (thing_id, name, ts, seq) per name the thing
    // has rows under, merged by SQLite as it reads them (a compound SELECT, no sort), rather than
    // an index on (thing_id, ts) that every commit would pay for (migration 7).
    const names = q.name !== undefined ? [q.name] : (this.namesOf.all({ thing: q.thingId }) as string[]);
    if (names.length === 0) return [];
    const rows: StoredRow[] = [];
    for (let i = 0; i < names.length; i += MAX_MERGED_NAMES) rows.push(...this.ranges(q, names.slice(i, i + MAX_MERGED_NAMES), limit));
    if (names.length > MAX_MERGED_NAMES) {
      const dir = q.order === 'desc' ? -1 : 1;
      rows.sort((a, b) => dir * (a.ts - b.ts || a.seq - b.seq));
    }
    return rows.slice(0, limit).map(toHistoryRow);
  }

  /** The rows of up to MAX_MERGED_NAMES series in the query's range and order, at most `limit`. */
  private ranges(q: HistoryQuery, names: string[], limit: number): StoredRow[] {
    const order = q.order === 'desc' ? 'DESC' : 'ASC';
    const where = ['thing_id = ?', 'name = ?'];
    const bounds: unknown[] = [];
    if (q.kind !== undefined) { where.push('kind = ?'); bounds.push(KIND_CODE[q.kind]); }
    if (q.from !== undefined) { where.push('ts >= ?'); bounds.push(q.from); }
    if (q.to !== undefined) { where.push('ts < ?'); bounds.push(q.to); }
    const arm = `SELECT thing_id, name, ts, seq, kind, value FROM history WHERE ${where.join(' AND ')}`;
    const sql = `${Array.from(names, () => arm).join(' UNION ALL ')} ORDER BY ts ${order}, seq ${order} LIMIT ?`;
    let stmt = this.rangeStmts.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      // Shapes: order, kind, from, to and the number of names; the first ones are kept prepared.
      if (this.rangeStmts.size < MAX_PREPARED_RANGES) this.rangeStmts.set(sql, stmt);
    }
    return stmt.all(...names.flatMap((name) => [q.thingId, name, ...bounds]), limit) as StoredRow[];
  }

  /** Deletes rows older than maxAgeMs and, per thing, beyond the newest maxRowsPerThing. Returns rows deleted. */
  enforceRetention(now: number, maxAgeMs: number, maxRowsPerThing: number): number {
    this.flush();
    let deleted = this.db.prepare('DELETE FROM history WHERE ts < ?').run(now - maxAgeMs).changes;
    const things = this.db.prepare(`
      WITH RECURSIVE things (id) AS (
        SELECT (SELECT min(thing_id) FROM history)
        UNION ALL SELECT (SELECT min(thing_id) FROM history WHERE thing_id > things.id) FROM things WHERE things.id IS NOT NULL)
      SELECT id FROM things WHERE id IS NOT NULL`).pluck().all() as string[];
    const count = this.db.prepare('SELECT COUNT(*) FROM history WHERE thing_id = ?').pluck();
    // Sorts the thing's rows by time (no index on (thing_id, ts)): only for a thing over its limit.
    const cutoffStmt = this.db.prepare('SELECT ts FROM history WHERE thing_id = ? ORDER BY ts DESC LIMIT 1 OFFSET ?').pluck();
    const del = this.db.prepare('DELETE FROM history WHERE thing_id = ? AND ts < ?');
    for (const id of things) {
      if ((count.get(id) as number) <= maxRowsPerThing) continue;
      const cutoff = cutoffStmt.get(id, maxRowsPerThing - 1) as number | undefined;
      if (cutoff !== undefined) deleted += del.run(id, cutoff).changes;
    }
    return deleted;
  }

  close(): void {
    if (this.soon) clearImmediate(this.soon);
    this.soon = null;
    this.flush();
    this.closed = true;
  }
}
