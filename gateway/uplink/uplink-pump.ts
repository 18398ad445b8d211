/**
 * Sends the backlog (history rows above the cursor) upstream in seq order (docs/uplink.md
 * "Store-and-forward"). At each connect the rows up to the head of then are the *replay*, the
 * rows after it *live*. A thing with rows in the replay has all its rows sent by the replay, in
 * order; the live stream sends the other things' rows at once. While live rows wait, the replay
 * may hold at most `replayShare` of the in-flight window, so a long backlog never holds up the
 * things that have none. The cursor (persisted every 100 ms) is the highest seq below which
 * every row is acknowledged: after a crash, at most the unpersisted tail is sent again.
 */
import type { Backlog, BacklogRow } from './backlog.js';
import { PAGE } from './backlog.js';

export interface PumpDeps {
  backlog: Backlog;
  maxInFlight: number;
  replayShare: number;
  /** Sends one row; resolves on PUBACK (QoS 1) or once written (QoS 0); rejects when the link fails. */
  send(row: BacklogRow, stream: 'live' | 'replay'): Promise<void>;
  onError(err: unknown): void;
}

export class UplinkPump {
  sent = { live: 0, replay: 0 };
  private active = false;
  private head = 0;
  private replayRead = 0;
  private liveRead = 0;
  /** Things with rows in the replay: their live rows go through the replay. */
  private backlogged = new Set<string>();
  private replayBuf: BacklogRow[] = [];
  private liveBuf: BacklogRow[] = [];
  private readonly inFlight = new Set<number>();
  private replayInFlight = 0;
  private pumping = false;
  private again = false;
  /** Rows may have been committed since the live stream last found none (set by kick, not by acks). */
  private fresh = false;
  private persistTimer: NodeJS.Timeout | null = null;
  /** Bumped at each start: acknowledgements of an earlier link are ignored. */
  private generation = 0;

  constructor(private readonly deps: PumpDeps) {}

  get replaying(): boolean {
    return this.active && this.replayRead < this.liveRead;
  }

  /** The link is up: replay from the cursor, live from the head. */
  start(): void {
    const b = this.deps.backlog;
    this.head = b.headSeq();
    this.replayRead = b.cursor;
    this.liveRead = Math.max(this.head, b.cursor);
    this.backlogged = this.thingsIn(b.cursor, this.head);
    this.replayBuf = [];
    this.liveBuf = [];
    this.inFlight.clear();
    this.replayInFlight = 0;
    this.active = true;
    this.generation++;
    this.persistTimer = setInterval(() => this.persist(), 100);
    this.persistTimer.unref();
    this.kick();
  }

  /** The link is down: nothing more goes out; what was in flight is sent again next time. */
  stop(): void {
    if (!this.active) return;
    this.persist();
    this.active = false;
    if (this.persistTimer) clearInterval(this.persistTimer);
    this.persistTimer = null;
  }

  /** New rows may be committed. */
  kick(): void {
    this.fresh = true;
    this.drive();
  }

  /** Sends what the window has room for (after a commit, or when an acknowledgement frees a place). */
  private drive(): void {
    if (!this.active) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        this.fill();
      } while (this.again && this.active);
    } catch (err) {
      this.deps.onError(err);
    } finally {
      this.pumping = false;
    }
  }

  private thingsIn(after: number, upTo: number): Set<string> {
    const out = new Set<string>();
    for (let from = after; from < upTo;) {
      const rows = this.deps.backlog.read(from, PAGE);
      for (const r of rows) if (r.seq <= upTo) out.add(r.thingId);
      if (rows.length < PAGE) break;
      from = (rows.at(-1) as BacklogRow).seq;
    }
    return out;
  }

  private fill(): void {
    const { maxInFlight, replayShare } = this.deps;
    for (;;) {
      if (this.liveBuf.length === 0) this.loadLive();
      if (this.replayBuf.length === 0 && this.replaying) this.loadReplay();
      const room = maxInFlight - this.inFlight.size;
      if (room <= 0) return;
      const liveWaiting = this.liveBuf.length > 0;
      const replayCap = liveWaiting ? Math.max(1, Math.floor(maxInFlight * replayShare)) : maxInFlight;
      let progressed = false;
      if (this.replayBuf.length > 0 && this.replayInFlight < replayCap) {
        this.issue(this.replayBuf.shift() as BacklogRow, 'replay');
        progressed = true;
      }
      if (liveWaiting && this.inFlight.size < maxInFlight) {
        this.issue(this.liveBuf.shift() as BacklogRow, 'live');
        progressed = true;
      }
      if (!progressed) return;
    }
  }

  private loadLive(): void {
    // An acknowledgement brings no new rows: the history is read again only after a commit.
    if (!this.fresh) return;
    for (;;) {
      const rows = this.deps.backlog.read(this.liveRead, PAGE);
      if (rows.length < PAGE) this.fresh = false;
      if (rows.length === 0) return;
      this.liveRead = (rows.at(-1) as BacklogRow).seq;
      // A thing still replaying gets its live rows through the replay, in order.
      const mine = this.replaying ? rows.filter((r) => !this.backlogged.has(r.thingId)) : rows;
      this.liveBuf.push(...mine);
      if (this.liveBuf.length > 0 || rows.length < PAGE) return;
    }
  }

  private loadReplay(): void {
    while (this.replayBuf.length === 0 && this.replayRead < this.liveRead) {
      const rows = this.deps.backlog.read(this.replayRead, PAGE).filter((r) => r.seq <= this.liveRead);
      if (rows.length === 0) {
        this.replayRead = this.liveRead;
        break;
      }
      this.replayRead = (rows.at(-1) as BacklogRow).seq;
      this.replayBuf.push(...rows.filter((r) => r.seq <= this.head || this.backlogged.has(r.thingId)));
    }
    if (this.replayRead >= this.liveRead) this.backlogged.clear();
  }

  private issue(row: BacklogRow, stream: 'live' | 'replay'): void {
    this.inFlight.add(row.seq);
    if (stream === 'replay') this.replayInFlight++;
    const gen = this.generation;
    this.deps.send(row, stream).then(() => {
      if (gen !== this.generation || !this.active) return;
      this.inFlight.delete(row.seq);
      if (stream === 'replay') this.replayInFlight--;
      this.sent[stream]++;
      this.drive();
    }, (err: unknown) => {
      if (gen !== this.generation) return;
      this.inFlight.delete(row.seq);
      if (stream === 'replay') this.replayInFlight--;
      if (this.active) this.deps.onError(err);
    });
  }

  /** Everything at or below the returned seq is acknowledged upstream. */
  private safeCursor(): number {
    let c = this.liveRead;
    if (this.liveBuf.length > 0) c = Math.min(c, (this.liveBuf[0] as BacklogRow).seq - 1);
    if (this.replaying || this.replayBuf.length > 0) c = Math.min(c, this.replayBuf.length > 0 ? (this.replayBuf[0] as BacklogRow).seq - 1 : this.replayRead);
    for (const s of this.inFlight) c = Math.min(c, s - 1);
    return c;
  }

  private persist(): void {
    if (!this.active) return;
    try {
      this.deps.backlog.acknowledge(this.safeCursor());
    } catch (err) {
      this.deps.onError(err);
    }
  }
}
