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

interface Schedule { lastWake: number; windowEnd: number; gaps: number[] }

export class AvailabilityTracker {
  /** Thing id -> wakes seen, for sleepy things only. */
  private readonly schedules = new Map<string, Schedule>();
  private readonly rules: ScheduleOptions;
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Things this tracker marked offline (its own `online` message is not activity). */
  private readonly markedOffline = new Set<string>();
  offlineByTracker = 0;

  constructor(private readonly deps: AvailabilityTrackerDeps) {
    this.rules = { ...DEFAULT_SCHEDULE, ...deps.schedule };
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
    const s = this.schedules.get(thingId);
    if (!s || s.gaps.length < this.rules.minGaps) return this.deps.options.sleepyIntervalMs;
    const sorted = [...s.gaps].sort((a, b) => a - b);
    if ((sorted.at(-1) as number) > this.rules.maxSpread * (sorted[0] as number)) return 0;
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  /** Marks sleepy things that missed their wakes offline; called on a timer, public for tests. */
  check(now = this.deps.now()): void {
    for (const [id, s] of this.schedules) {
      const interval = this.intervalOf(id);
      if (interval <= 0 || this.markedOffline.has(id)) continue;
      if (now - s.windowEnd <= this.deps.options.missedWakes * interval) continue;
      let online: boolean;
      try {
        online = this.deps.hub.getThing(id).online;
      } catch {
        this.schedules.delete(id);
        continue;
      }
      this.markedOffline.add(id);
      if (!online) continue;
      this.offlineByTracker++;
      this.deps.logger.info({ thingId: id, intervalMs: interval, lastWake: s.lastWake }, 'sleepy device missed its wakes: offline');
      this.deps.hub.setOnline(id, false);
    }
  }

  private onMessage(m: BusMessage): void {
    switch (m.type) {
      case 'thing':
        if (m.change === 'removed') {
          this.schedules.delete(m.thingId);
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
    const s = this.schedules.get(thingId);
    if (!s) this.schedules.set(thingId, { lastWake: now, windowEnd: until, gaps: [] });
    else if (now > s.windowEnd) {
      // After the window the binding opened: a new wake.
      s.gaps.push(now - s.lastWake);
      if (s.gaps.length > this.rules.gapsKept) s.gaps.shift();
      s.lastWake = now;
      s.windowEnd = until;
    } else if (untilMs !== undefined) {
      s.windowEnd = Math.max(s.windowEnd, until);
    }
    if (this.markedOffline.delete(thingId) && !online) this.deps.hub.setOnline(thingId, true);
  }
}
