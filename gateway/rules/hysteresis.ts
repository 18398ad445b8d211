/**
 * A level crossing with hysteresis, pure. `above` fires when the value rises over the level and
 * stays quiet (disarmed) until the value falls to level - band or lower; `below` mirrors it. The
 * first value seen counts: one already past the level fires. A gate restored after a restart starts
 * disarmed if it was (rule-store.ts keeps that), so a value still past the level does not fire again.
 */
export type Direction = 'above' | 'below';

export class HysteresisGate {
  constructor(
    readonly direction: Direction,
    readonly level: number,
    readonly band: number,
    private armed = true,
  ) {}

  /** True when this value crosses the level while armed (the trigger fires). */
  update(value: number): boolean {
    if (!Number.isFinite(value)) return false;
    const past = this.direction === 'above' ? value > this.level : value < this.level;
    if (this.armed) {
      if (!past) return false;
      this.armed = false;
      return true;
    }
    const back = this.direction === 'above' ? value <= this.level - this.band : value >= this.level + this.band;
    if (back) this.armed = true;
    return false;
  }

  get isArmed(): boolean {
    return this.armed;
  }
}
