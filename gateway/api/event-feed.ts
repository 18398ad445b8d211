/**
 * The messages of one HTTP event stream (one event, every event of a thing, or one property's
 * changes) in order, each numbered with its cursor: first, for a client that resumes, the rows
 * history holds after its cursor; then what the bus brings. Used by the SSE and longpoll routes.
 */
import type { HubApi, Subscription } from '../hub/hub-api.js';
import type { BusMessage, HistoryRow } from '../hub/types.js';
import { CursorCounter, formatCursor, type EventCursor } from './event-cursor.js';

export interface FeedSpec {
  thingId: string;
  kind: 'event' | 'property';
  /** One affordance; absent: every affordance of that kind. */
  name?: string;
}

export interface FeedItem {
  /** Cursor of this item (SSE `id:`, longpoll cursor). */
  id: string;
  name: string;
  /** Event data or property value. */
  data: unknown;
  ts: number;
}

export interface FeedOptions {
  /** Resume after this position (from history); absent: live messages only. */
  cursor?: EventCursor;
  /** History rows replayed at most; more missed rows are skipped (onTruncated). */
  maxReplay: number;
  /**
   * Called for each item in order, synchronously (the first ones from inside the constructor).
   * Answering false closes the feed (the consumer took its one item, or its client is gone): a
   * replay under way stops there instead of reading the rest of history for nobody.
   */
  onItem(item: FeedItem): boolean | void;
  onTruncated?(): void;
}

/** Name of the availability messages (`online` / `offline`) in a thing's all-events stream. */
export const AVAILABILITY_EVENT = 'availability';

/** History rows read per query while replaying, at most. */
const PAGE_ROWS = 500;
/**
 * The first replay query reads this many rows, and each next one twice as many (up to PAGE_ROWS):
 * a consumer that stops after a few items (a longpoll answers one, a slow SSE client is cut off)
 * costs a few rows, not a whole page of possibly large values read and parsed in one go.
 */
const FIRST_PAGE_ROWS = 8;
/** Rows read at most in one replay (a thing whose property rows crowd out its events ends the replay early). */
const MAX_SCANNED_ROWS = 10_000;

/**
 * The position just after the newest history row of the stream, so that a feed opened later with
 * it misses nothing published in between; `{ ts: 0, k: -1 }` (everything) when there is none.
 */
export function latestCursor(hub: HubApi, spec: FeedSpec): EventCursor {
  const q = { thingId: spec.thingId, order: 'desc' as const, limit: PAGE_ROWS };
  const newest = hub.history(spec.name === undefined ? q : { ...q, name: spec.name }).find((r) => r.kind === spec.kind);
  if (!newest) return { ts: 0, k: -1 };
  const same = hub.history({ ...q, ...(spec.name === undefined ? {} : { name: spec.name }), from: newest.ts, to: newest.ts + 1 });
  return { ts: newest.ts, k: same.filter((r) => r.kind === spec.kind).length - 1 };
}

export class EventFeed {
  private readonly sub: Subscription;
  private readonly spec: FeedSpec;
  private readonly counter: CursorCounter;
  private readonly onItem: (item: FeedItem) => boolean | void;
  private closed = false;
  /** Position before the first message of a stream opened without a cursor. */
  private before: EventCursor | undefined;

  constructor(hub: HubApi, spec: FeedSpec, opts: FeedOptions) {
    this.spec = spec;
    this.onItem = opts.onItem;
    this.counter = new CursorCounter(opts.cursor);
    // Subscribing and reading history in one synchronous step splits the messages exactly: the
    // bus hands this subscriber (on a later tick) only what is published from now on, and
    // history already holds everything published before (the hub appends the row no later
    // than in the tick it publishes, and a history query flushes the pending batch first).
    // The stream of every event of a thing also carries its availability changes (docs/api.md "SSE").
    const withAvailability = spec.kind === 'event' && spec.name === undefined;
    this.sub = hub.subscribe((msg) => this.live(msg), { thingId: spec.thingId, types: withAvailability ? ['event', 'online'] : [spec.kind] });
    if (opts.cursor && opts.maxReplay > 0) this.replay(hub, opts.cursor, opts.maxReplay, opts.onTruncated);
    if (withAvailability && !this.counter.position) this.before = latestCursor(hub, spec);
  }

  /** Messages the bus dropped because this feed's consumer fell behind. */
  get dropped(): number {
    return this.sub.dropped;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sub.unsubscribe();
  }

  private emit(name: string, data: unknown, ts: number): void {
    if (this.closed) return;
    if (this.onItem({ id: formatCursor(this.counter.next(ts)), name, data, ts }) === false) this.close();
  }

  /**
   * Availability is not in history: its message carries the position of the message before it
   * (it takes no place of its own), so a client resuming after it misses no event.
   */
  private availability(online: boolean, ts: number): void {
    if (this.closed) return;
    const p = this.counter.position ?? this.before ?? { ts: 0, k: 0 };
    if (this.onItem({ id: formatCursor(p.k < 0 ? { ts: p.ts, k: 0 } : p), name: AVAILABILITY_EVENT, data: online ? 'online' : 'offline', ts }) === false) this.close();
  }

  private live(msg: BusMessage): void {
    if (msg.type === 'online' && this.spec.kind === 'event' && this.spec.name === undefined) {
      this.availability(msg.online, msg.ts);
    } else if (msg.type === 'event' && this.spec.kind === 'event' && (this.spec.name === undefined || msg.name === this.spec.name)) {
      this.emit(msg.name, msg.data, msg.ts);
    } else if (msg.type === 'property' && this.spec.kind === 'property' && (this.spec.name === undefined || msg.name === this.spec.name)) {
      this.emit(msg.name, msg.value, msg.ts);
    }
  }

  private matches(r: HistoryRow): boolean {
    return r.kind === this.spec.kind && (this.spec.name === undefined || r.name === this.spec.name);
  }

  private replay(hub: HubApi, cursor: EventCursor, maxReplay: number, onTruncated?: () => void): void {
    // Rows of the stream at the cursor's own time that the client already has.
    let skipAtCursor = cursor.k + 1;
    // Each page starts at `from` (inclusive) and passes over the `seen` rows at that time read before.
    let from = cursor.ts;
    let seen = 0;
    let sent = 0;
    let scanned = 0;
    for (let pageRows = FIRST_PAGE_ROWS; scanned < MAX_SCANNED_ROWS; pageRows = Math.min(pageRows * 2, PAGE_ROWS)) {
      if (this.closed) return;
      // A page reaches past the rows at `from` already read, or it would read them again for ever.
      const limit = seen + pageRows;
      const q = { thingId: this.spec.thingId, from, order: 'asc' as const, limit };
      const rows = hub.history(this.spec.name === undefined ? q : { ...q, name: this.spec.name });
      scanned += rows.length - seen;
      for (const r of rows.slice(seen)) {
        if (this.closed) return;
        if (!this.matches(r)) continue;
        if (r.ts === cursor.ts && skipAtCursor > 0) {
          skipAtCursor--;
          continue;
        }
        if (sent >= maxReplay) {
          onTruncated?.();
          return;
        }
        this.emit(r.name, r.value, r.ts);
        sent++;
      }
      if (rows.length < limit) return;
      const lastTs = (rows[rows.length - 1] as HistoryRow).ts;
      seen = rows.filter((r) => r.ts === lastTs).length;
      from = lastTs;
    }
    onTruncated?.();
  }
}
