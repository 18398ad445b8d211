/**
 * The awake windows of sleepy things: until when each may be handed items (ActionQueue). A
 * window that ran out counts as none. Run-out entries are swept when the table has doubled since
 * the last sweep (amortised O(1) a call): after its wake a sleepy thing's entry would otherwise
 * stay for ever, ~64 bytes a device at 10,000 devices (issue 20, docs/fleet.md).
 */
const MIN_SWEEP = 1024;

export class AwakeWindows {
  private readonly until = new Map<string, number>();
  /** The size at which the next sweep happens: twice what the last one left. */
  private sweepAt: number;

  constructor(private readonly now: () => number, private readonly minSweep = MIN_SWEEP) {
    this.sweepAt = minSweep;
  }

  /** Entries held, run out or not (tests). */
  get size(): number {
    return this.until.size;
  }

  /** Opens (or moves) the thing's window to end `windowMs` from now. */
  open(thingId: string, windowMs: number): void {
    const now = this.now();
    this.until.set(thingId, now + windowMs);
    if (this.until.size < this.sweepAt) return;
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
    this.sweepAt = Math.max(this.minSweep, 2 * this.until.size);
  }

  isOpen(thingId: string): boolean {
    return (this.until.get(thingId) ?? 0) > this.now();
  }

  close(thingId: string): void {
    this.until.delete(thingId);
  }
}
