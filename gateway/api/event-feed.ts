/**
 * The messages of one HTTP event stream (one event, every event of a thing, or one property's
 * changes) in order, each numbered with its cursor: first, for a client that resumes, the rows
 * history holds after its cursor; then what the bus brings. Used by the SSE and longpoll routes.
 *
 * A replay goes at its consumer's pace: a consumer that says it is full (an SSE client whose
 * socket has not taken the last writes) pauses it until it is ready, and the feed subscribes to
 * the bus only once the replay has reached the end of history. So a client resuming after a long
 * absence over a slow link gets everything history holds instead of being cut off for the size of
 * its own backlog (and reconnecting to be cut off again, for ever).
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
  /**
   * For a consumer that can fall behind: asked after each replayed item; when `full()` is true the
   * replay stops there until the consumer calls the function it got through `onceReady`.
   */
  backlog?: { full(): boolean; onceReady(resume: () => void): void };
}

/** Where a replay is: the next history page starts at `from`, past `seen` rows with that time already read. */
interface ReplayState {
  from: number;
  seen: number;
  /** Rows of the stream at the cursor's own time that the client already has. */
  skipAtCursor: number;
  cursorTs: number;
  sent: number;
  scanned: number;
  pageRows: number;
  maxReplay: number;
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
  private readonly hub: HubApi;
  private readonly spec: FeedSpec;
  private readonly counter: CursorCounter;
  private readonly onItem: (item: FeedItem) => boolean | void;
  private readonly onTruncated: (() => void) | undefined;
  private readonly backlog: FeedOptions['backlog'];
  private sub: Subscription | null = null;
  private closed = false;
  /** Position before the first message of a stream opened without a cursor. */
  private before: EventCursor | undefined;

  constructor(hub: HubApi, spec: FeedSpec, opts: FeedOptions) {
    this.hub = hub;
    this.spec = spec;
    this.onItem = opts.onItem;
    this.onTruncated = opts.onTruncated;
    this.backlog = opts.backlog;
    this.counter = new CursorCounter(opts.cursor);
    if (opts.cursor && opts.maxReplay > 0) {
      const c = opts.cursor;
      this.replay({ from: c.ts, seen: 0, skipAtCursor: c.k + 1, cursorTs: c.ts, sent: 0, scanned: 0, pageRows: FIRST_PAGE_ROWS, maxReplay: opts.maxReplay });
    } else {
      this.goLive(opts.cursor !== undefined);
    }
  }

  /** Messages the bus dropped because this feed's consumer fell behind. */
  get dropped(): number {
    return this.sub?.dropped ?? 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sub?.unsubscribe();
  }

  /**
   * Subscribing in the same synchronous step as the last history read splits the messages
   * exactly: the bus hands this subscriber (on a later tick) only what is published from now on,
   * and history already holds everything published before (the hub appends the row no later than
   * in the tick it publishes, and a history query flushes the pending batch first). The stream of
   * every event of a thing also carries its availability changes (docs/api.md "SSE").
   */
  private goLive(resumed = false): void {
    if (this.closed) return;
    const withAvailability = this.spec.kind === 'event' && this.spec.name === undefined;
    this.sub = this.hub.subscribe((msg) => this.live(msg), { thingId: this.spec.thingId, types: withAvailability ? ['event', 'online'] : [this.spec.kind] });
    if (withAvailability && !this.counter.position) this.before = latestCursor(this.hub, this.spec);
    // Availability is not history: what changed while the client was away (or while its replay
    // waited for it) is not replayed, so a resume ends with the state as it is now, told after the
    // subscription so that a change from here on follows it.
    if (withAvailability && resumed) {
      const online = this.onlineNow();
      if (online !== undefined) this.availability(online, Date.now());
    }
  }

  private onlineNow(): boolean | undefined {
    try {
      return this.hub.getThing(this.spec.thingId).online;
    } catch {
      return undefined; // removed meanwhile: its stream says nothing more of it
    }
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

  /**
   * Reads history page by page from the state's position and hands the stream's rows on; pauses
   * when the consumer is full (resumed from the position after the last row it took), and goes
   * live at the end of history, at maxReplay (onTruncated), or after MAX_SCANNED_ROWS.
   */
  private replay(st: ReplayState): void {
    while (st.scanned < MAX_SCANNED_ROWS) {
      if (this.closed) return;
      // A page reaches past the rows at `from` already read, or it would read them again for ever.
      const limit = st.seen + st.pageRows;
      const q = { thingId: this.spec.thingId, from: st.from, order: 'asc' as const, limit };
      const rows = this.hub.history(this.spec.name === undefined ? q : { ...q, name: this.spec.name });
      for (let i = st.seen; i < rows.length; i++) {
        const r = rows[i] as HistoryRow;
        st.scanned++;
        if (this.closed) return;
        if (!this.matches(r)) continue;
        if (r.ts === st.cursorTs && st.skipAtCursor > 0) {
          st.skipAtCursor--;
          continue;
        }
        if (st.sent >= st.maxReplay) {
          this.onTruncated?.();
          this.goLive(true);
          return;
        }
        this.emit(r.name, r.value, r.ts);
        st.sent++;
        if (!this.closed && this.backlog?.full()) {
          // Resumed after this row: the next page starts at its time, past the rows at that time read so far.
          st.from = r.ts;
          st.seen = countAtTs(rows, i);
          this.backlog.onceReady(() => this.replay(st));
          return;
        }
      }
      if (rows.length < limit) {
        this.goLive(true);
        return;
      }
      const lastTs = (rows[rows.length - 1] as HistoryRow).ts;
      st.seen = countAtTs(rows, rows.length - 1);
      st.from = lastTs;
      st.pageRows = Math.min(st.pageRows * 2, PAGE_ROWS);
    }
    this.onTruncated?.();
    this.goLive(true);
  }
}

/** Rows of `rows[0..i]` with the time of `rows[i]` (a page starts at its `from`, so these are all of them at that time). */
function countAtTs(rows: readonly HistoryRow[], i: number): number {
  const ts = (rows[i] as HistoryRow).ts;
  let n = 0;
  for (let j = 0; j <= i; j++) if ((rows[j] as HistoryRow).ts === ts) n++;
  return n;
}
