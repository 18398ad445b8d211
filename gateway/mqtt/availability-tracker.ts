/**
 * Availability of sleepy devices (docs/mqtt.md "Availability"). A binding says when a device is
 * awake (ctx.awake / ctx.take, seen as the bus `awake` message with the end of the window it
 * opened; any value or event counts too) and, for always-on devices, when it is gone. Between
 * wakes a sleepy device stays online as long as it keeps its own wake schedule: the tracker
 * learns it from the wakes (a wake is activity after the previous awake window ended; activity
 * inside the window the binding opened is the same wake) and marks the thing offline in the hub
 * (HubApi's `online`, the bus `online` message) after `missedWakes` missed wakes.
 *
 * A device is judged by a schedule only once it keeps one: at least `minGaps` gaps between wakes,
 * the longest at most `maxSpread` times the shortest. A device reached on demand (a BLE GATT
 * device the gateway connects to when a write waits) or one whose wakes have no rhythm (an LwM2M
 * Queue Mode device whose notifications fall inside a 93 s awake window) is not: its binding's
 * own liveness signal (the BLE advertisement watchdog, the LwM2M registration lifetime) says
 * when it is gone. Its next activity marks it online again.
 */
import type { Logger } from 'pino';
import type { AvailabilityConfig } from '../config/config.js';
import type { HubApi, Subscription } from '../hub/hub-api.js';
import type { BusMessage } from '../hub/types.js';

export interface ScheduleOptions {
  /** Gaps between wakes seen before a schedule is trusted (default 3). */
  minGaps: number;
  /** Longest over shortest of the remembered gaps above which there is no schedule (default 3). */
  maxSpread: number;
  /** Gaps remembered per thing (default 5). */
  gapsKept: number;
}

export const DEFAULT_SCHEDULE: ScheduleOptions = { minGaps: 3, maxSpread: 3, gapsKept: 5 };

export interface AvailabilityTrackerDeps {
  hub: Pick<HubApi, 'subscribe' | 'getThing'> & { setOnline(thingId: string, online: boolean): void };
  options: AvailabilityConfig;
  /** The awake window assumed for activity that names none (a value, an event): queue.awakeWindowMs. */
  awakeWindowMs: number;
  now: () => number;
  logger: Logger;
  schedule?: Partial<ScheduleOptions>;
}

/**
 * Wakes seen per sleepy thing in one Float64Array, a slot per thing (last wake, end of its awake
 * window, gaps kept, where the next gap goes, then the gaps as a ring): ~70 bytes a thing where an
 * object with an array of gaps per thing was ~250 (issue 20, gateway heap per device).
 */
class WakeTable {
  private readonly slots = new Map<string, number>();
  private readonly free: number[] = [];
  private readonly width: number;
  private data: Float64Array;
  private used = 0;

  constructor(private readonly gapsKept: number) {
    this.width = 4 + gapsKept;
    this.data = new Float64Array(this.width * 64);
  }

  slot(id: string): number | undefined {
    return this.slots.get(id);
  }

  entries(): IterableIterator<[string, number]> {
    return this.slots.entries();
  }

  add(id: string, lastWake: number, windowEnd: number): void {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (this.used * this.width > this.data.length) {
        const bigger = new Float64Array(this.data.length * 2);
        bigger.set(this.data);
        this.data = bigger;
      }
    }
    const o = slot * this.width;
    this.data[o] = lastWake;
    this.data[o + 1] = windowEnd;
    this.data[o + 2] = 0;
    this.data[o + 3] = 0;
    this.slots.set(id, slot);
  }

  delete(id: string): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    this.slots.delete(id);
    this.free.push(slot);
  }

  lastWake(slot: number): number {
    return this.data[slot * this.width]!;
  }

  windowEnd(slot: number): number {
    return this.data[slot * this.width + 1]!;
  }

  setWindowEnd(slot: number, at: number): void {
    this.data[slot * this.width + 1] = at;
  }

  /** A new wake at `at`: the gap since the last one is kept (the oldest of gapsKept goes). */
  wake(slot: number, at: number, windowEnd: number): void {
    const o = slot * this.width;
    const d = this.data;
    if (this.gapsKept > 0) {
      const next = d[o + 3]!;
      d[o + 4 + next] = at - d[o]!;
      d[o + 3] = (next + 1) % this.gapsKept;
      d[o + 2] = Math.min(d[o + 2]! + 1, this.gapsKept);
    }
    d[o] = at;
    d[o + 1] = windowEnd;
  }

  /** The gaps kept, smallest first. */
  sortedGaps(slot: number): number[] {
    const o = slot * this.width + 4;
    return Array.from(this.data.subarray(o, o + this.data[slot * this.width + 2]!)).sort((a, b) => a - b);
  }
}

export class AvailabilityTracker {
  /** Wakes seen, for sleepy things only. */
  private readonly wakes: WakeTable;
  private readonly rules: ScheduleOptions;
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Things this tracker marked offline (its own `online` message is not activity). */
  private readonly markedOffline = new Set<string>();
  offlineByTracker = 0;

  constructor(private readonly deps: AvailabilityTrackerDeps) {
    this.rules = { ...DEFAULT_SCHEDULE, ...deps.schedule };
    this.wakes = new WakeTable(this.rules.gapsKept);
  }

  start(): void {
    this.sub = this.deps.hub.subscribe((m) => this.onMessage(m), { types: ['property', 'event', 'online', 'thing', 'awake'] });
    this.timer = setInterval(() => this.check(), this.deps.options.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.sub?.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * The wake interval a thing keeps (ms): the median of its last gaps once they form a schedule;
   * before it has shown one (fewer than minGaps gaps) the configured sleepyIntervalMs; 0 (not
   * judged) when its wakes have no rhythm.
   */
  intervalOf(thingId: string): number {
    const slot = this.wakes.slot(thingId);
    const sorted = slot === undefined ? [] : this.wakes.sortedGaps(slot);
    if (slot === undefined || sorted.length < this.rules.minGaps) return this.deps.options.sleepyIntervalMs;
    if ((sorted.at(-1) as number) > this.rules.maxSpread * (sorted[0] as number)) return 0;
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  /** Marks sleepy things that missed their wakes offline; called on a timer, public for tests. */
  check(now = this.deps.now()): void {
    for (const [id, slot] of this.wakes.entries()) {
      const interval = this.intervalOf(id);
      if (interval <= 0 || this.markedOffline.has(id)) continue;
      if (now - this.wakes.windowEnd(slot) <= this.deps.options.missedWakes * interval) continue;
      let online: boolean;
      try {
        online = this.deps.hub.getThing(id).online;
      } catch {
        this.wakes.delete(id);
        continue;
      }
      this.markedOffline.add(id);
      if (!online) continue;
      this.offlineByTracker++;
      this.deps.logger.info({ thingId: id, intervalMs: interval, lastWake: this.wakes.lastWake(slot) }, 'sleepy device missed its wakes: offline');
      this.deps.hub.setOnline(id, false);
    }
  }

  private onMessage(m: BusMessage): void {
    switch (m.type) {
      case 'thing':
        if (m.change === 'removed') {
          this.wakes.delete(m.thingId);
          this.markedOffline.delete(m.thingId);
        }
        return;
      case 'awake':
        this.activity(m.thingId, m.untilMs);
        return;
      case 'online':
        if (m.online) this.activity(m.thingId);
        return;
      case 'property':
      case 'event':
        this.activity(m.thingId);
        return;
      default:
        return;
    }
  }

  private activity(thingId: string, untilMs?: number): void {
    let sleepy: boolean;
    let online: boolean;
    try {
      ({ sleepy, online } = this.deps.hub.getThing(thingId));
    } catch {
      return;
    }
    if (!sleepy) return;
    const now = this.deps.now();
    const until = untilMs ?? now + this.deps.awakeWindowMs;
    const slot = this.wakes.slot(thingId);
    if (slot === undefined) this.wakes.add(thingId, now, until);
    // After the window the binding opened: a new wake.
    else if (now > this.wakes.windowEnd(slot)) this.wakes.wake(slot, now, until);
    else if (untilMs !== undefined) this.wakes.setWindowEnd(slot, Math.max(this.wakes.windowEnd(slot), until));
    if (this.markedOffline.delete(thingId) && !online) this.deps.hub.setOnline(thingId, true);
  }
}
