/**
 * Fault injection, decided by each device's own Prng stream so the same seed injects the same
 * faults: loss, duplication and reordering of what devices send, reboots at a wake, a
 * per-device clock drift, and batteries that start nearly empty.
 */
import type { Prng } from './prng.js';
import type { FaultSpec } from './scenario.js';

export interface FaultCounters {
  lost: number;
  duplicated: number;
  reordered: number;
  reboots: number;
  depleted: number;
}

export function emptyFaultCounters(): FaultCounters {
  return { lost: 0, duplicated: 0, reordered: 0, reboots: 0, depleted: 0 };
}

/**
 * The faulty link of one device. A device model passes every datagram or frame it sends through
 * up(); the link decides what reaches the gateway, and in which order.
 */
export class FaultyLink {
  readonly counters: FaultCounters;
  private held: Buffer | null = null;

  constructor(private readonly spec: FaultSpec, private readonly prng: Prng, counters: FaultCounters = emptyFaultCounters()) {
    this.counters = counters;
  }

  /** True when any datagram fault is configured (devices may skip the hook otherwise). */
  get active(): boolean {
    return this.spec.loss > 0 || this.spec.duplication > 0 || this.spec.reorder > 0;
  }

  /**
   * The datagrams that go on air for one uplink datagram, in order: none (lost), itself, itself
   * twice (duplicated), or itself followed by one held back from before (reordered). A held
   * datagram whose successor never comes is released by flush().
   */
  up(datagram: Buffer): Buffer[] {
    // One draw per decision, always in this order, so streams stay aligned across runs.
    const lose = this.prng.chance(this.spec.loss);
    const dup = this.prng.chance(this.spec.duplication);
    const hold = this.prng.chance(this.spec.reorder);
    const before = this.held;
    this.held = null;
    const out: Buffer[] = [];
    if (lose) {
      this.counters.lost++;
    } else if (hold && before === null) {
      this.counters.reordered++;
      this.held = datagram;
    } else {
      out.push(datagram);
      if (dup) {
        this.counters.duplicated++;
        out.push(datagram);
      }
    }
    if (before !== null) out.push(before);
    return out;
  }

  /** A datagram still held back (the device goes to sleep): it goes out late, now. */
  flush(): Buffer[] {
    const held = this.held;
    this.held = null;
    return held ? [held] : [];
  }
}

/** Per-device fault plan drawn once at the start. */
export interface DevicePlan {
  /** Clock error in ppm: the device's intervals stretch by (1 + ppm/1e6). */
  driftPpm: number;
  /** Charge at the start (mAh); Infinity for mains devices. */
  startChargeMah: number;
}

export function planDevice(spec: FaultSpec, batteryMah: number, battery: boolean, prng: Prng): DevicePlan {
  const driftPpm = spec.clockDriftPpm > 0 ? prng.uniform(-spec.clockDriftPpm, spec.clockDriftPpm) : 0;
  const nearlyEmpty = prng.chance(spec.batteryDepletion.fraction);
  return {
    driftPpm,
    startChargeMah: !battery ? Infinity : nearlyEmpty ? spec.batteryDepletion.remainingMah : batteryMah,
  };
}

/** Whether the device reboots at this wake. */
export function rebootsNow(spec: FaultSpec, prng: Prng): boolean {
  return prng.chance(spec.rebootPerWake);
}
