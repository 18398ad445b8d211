/**
 * The uplink's store-and-forward outbox (docs/uplink.md "Store-and-forward"). It is the history
 * table itself, read in `seq` order: every property value and event is appended there before
 * its device is acknowledged (group commit), so nothing acknowledged to a device can be lost
 * between the device and the upstream broker, across `kill -9` too. `uplink_state.cursor` is the
 * highest seq upstream has acknowledged (PUBACK) with every lower one; the backlog is what lies
 * above it, bounded by age and bytes (beyond, the oldest rows are skipped: dropped and counted).
 */
import type { Db } from '../store/database.js';

export interface BacklogRow {
  seq: number;
  thingId: string;
  name: string;
  /** 0 property, 1 event (history-store.ts). */
  kind: number;
  ts: number;
  /** JSON text as stored. */
  value: string;
}

export interface BacklogLimits {
  maxBytes: number;
  maxAgeMs: number;
}

export interface BacklogStats {
  messages: number;
  bytes: number;
  /** ts of the oldest row waiting, or null. */
  oldestTs: number | null;
}

const CURSOR_KEY = 'cursor';
const DROPPED_KEY = 'dropped';
/** Rows read per page. */
export const PAGE = 500;

export class Backlog {
  private readonly readAfter;
  private readonly head;
  private readonly statsStmt;
  private readonly putState;
  private readonly getState;
  private readonly sizesAfter;
  private cursorValue: number;
  /** Rows skipped because of the limits (persisted, so the count survives restarts). */
  dropped: { age: number; bytes: number };

  constructor(private readonly db: Db) {
    this.readAfter = db.prepare('SELECT seq, thing_id AS thingId, name, kind, ts, value FROM history WHERE seq > ? ORDER BY seq LIMIT ?');
    this.head = db.prepare('SELECT MAX(seq) FROM history').pluck();
    this.statsStmt = db.prepare('SELECT COUNT(*) AS messages, COALESCE(SUM(length(value) + length(name) + length(thing_id)), 0) AS bytes, MIN(ts) AS oldestTs FROM history WHERE seq > ?');
    this.sizesAfter = db.prepare('SELECT seq, ts, length(value) + length(name) + length(thing_id) AS size FROM history WHERE seq > ? ORDER BY seq LIMIT ?');
    this.putState = db.prepare('INSERT INTO uplink_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.getState = db.prepare('SELECT value FROM uplink_state WHERE key = ?').pluck();
    const saved = this.getState.get(CURSOR_KEY) as string | undefined;
    // A first start forwards from now on: the history before the uplink was configured is not a backlog.
    this.cursorValue = saved === undefined ? this.headSeq() : Number(saved);
    if (saved === undefined) this.putState.run(CURSOR_KEY, String(this.cursorValue));
    const d = this.getState.get(DROPPED_KEY) as string | undefined;
    this.dropped = d ? (JSON.parse(d) as { age: number; bytes: number }) : { age: 0, bytes: 0 };
  }

  get cursor(): number {
    return this.cursorValue;
  }

  /** Highest seq in history (0 when empty). */
  headSeq(): number {
    return (this.head.get() as number | null) ?? 0;
  }

  /** Rows after `after`, oldest first. */
  read(after: number, limit = PAGE): BacklogRow[] {
    return this.readAfter.all(after, limit) as BacklogRow[];
  }

  /** Upstream acknowledged everything up to seq: the cursor moves (never back). */
  acknowledge(seq: number): void {
    if (seq <= this.cursorValue) return;
    this.cursorValue = seq;
    this.putState.run(CURSOR_KEY, String(seq));
  }

  stats(): BacklogStats {
    return this.statsStmt.get(this.cursorValue) as BacklogStats;
  }

  /**
   * Applies the limits: rows older than maxAgeMs, then the oldest rows beyond maxBytes, are
   * skipped (the cursor moves over them) and counted. Returns how many were dropped.
   */
  enforce(limits: BacklogLimits, now: number): number {
    const s = this.stats();
    if (s.messages === 0) return 0;
    let excess = s.bytes - limits.maxBytes;
    const oldestAllowed = now - limits.maxAgeMs;
    if (excess <= 0 && (s.oldestTs === null || s.oldestTs >= oldestAllowed)) return 0;
    let cursor = this.cursorValue;
    let age = 0;
    let bytes = 0;
    for (;;) {
      const rows = this.sizesAfter.all(cursor, PAGE) as Array<{ seq: number; ts: number; size: number }>;
      let done = rows.length === 0;
      for (const r of rows) {
        if (r.ts < oldestAllowed) age++;
        else if (excess > 0) bytes++;
        else {
          done = true;
          break;
        }
        excess -= r.size;
        cursor = r.seq;
      }
      if (done) break;
    }
    if (age + bytes === 0) return 0;
    this.dropped = { age: this.dropped.age + age, bytes: this.dropped.bytes + bytes };
    this.db.transaction(() => {
      this.acknowledge(cursor);
      this.putState.run(DROPPED_KEY, JSON.stringify(this.dropped));
    })();
    return age + bytes;
  }

  /** A small JSON value kept with the cursor (the uplink's action-state watermark). */
  getValue(key: string): string | undefined {
    return this.getState.get(key) as string | undefined;
  }

  setValue(key: string, value: string): void {
    this.putState.run(key, value);
  }
}
