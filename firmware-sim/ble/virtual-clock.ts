/**
 * A virtual clock: time moves only when advance() is called, and timers fire in time order.
 * Between timers it lets the event loop turn, so promise chains started by a timer (a connect,
 * a GATT read) finish before the next one fires. Hours of radio traffic run in milliseconds.
 */

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** Event-loop turns let run after each fired timer. */
const SETTLE_TURNS = 25;

export class VirtualClock {
  private t: number;
  private seq = 0;
  private queue: Timer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.t = startMs;
  }

  readonly now = (): number => this.t;

  readonly setTimeout = (fn: () => void, ms: number): unknown => {
    const timer = { id: ++this.seq, at: this.t + Math.max(0, ms), fn };
    // Insert after every timer due at the same time or earlier (FIFO for equal times).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.queue[mid] as Timer).at <= timer.at) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, timer);
    return timer.id;
  };

  readonly clearTimeout = (handle: unknown): void => {
    const i = this.queue.findIndex((x) => x.id === handle);
    if (i >= 0) this.queue.splice(i, 1);
  };

  get pendingTimers(): number {
    return this.queue.length;
  }

  /** Lets pending promise chains run (no virtual time passes). */
  async settle(turns = SETTLE_TURNS): Promise<void> {
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Moves time forward by ms, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      const next = this.queue[0];
      if (!next || next.at > target) break;
      this.queue.shift();
      this.t = next.at;
      next.fn();
      await this.settle();
    }
    this.t = target;
    await this.settle();
  }
}
