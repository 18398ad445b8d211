/**
 * Availability of sleepy devices (docs/mqtt.md "Availability"). A binding says when a device is
 * awake (and, for always-on devices, when it is gone); between wakes a sleepy device stays
 * online as long as it keeps its wake schedule. The tracker learns each sleepy thing's schedule
 * from its wakes (the median of the last gaps between them, activity within one awake window
 * being one wake) and marks it offline in the hub (HubApi's `online`, the bus `online` message)
 * after `missedWakes` missed wakes. Its next activity marks it online again.
 */
import type { Logger } from 'pino';
import type { AvailabilityConfig } from '../config/config.js';
import type { HubApi, Subscription } from '../hub/hub-api.js';
import type { BusMessage } from '../hub/types.js';

export interface AvailabilityTrackerDeps {
  hub: Pick<HubApi, 'subscribe' | 'getThing'> & { setOnline(thingId: string, online: boolean): void };
  options: AvailabilityConfig;
  /** Activity closer than this to the last wake belongs to the same wake (queue.awakeWindowMs). */
  awakeWindowMs: number;
  now: () => number;
  logger: Logger;
}

/** Gaps between wakes remembered per thing. */
const GAPS_KEPT = 5;

interface Schedule { lastWake: number; gaps: number[] }

export class AvailabilityTracker {
  /** Thing id -> wakes seen, for sleepy things only. */
  private readonly schedules = new Map<string, Schedule>();
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Things this tracker marked offline (its own `online` message is not activity). */
  private readonly markedOffline = new Set<string>();
  offlineByTracker = 0;

  constructor(private readonly deps: AvailabilityTrackerDeps) {}

  start(): void {
    this.sub = this.deps.hub.subscribe((m) => this.onMessage(m), { types: ['property', 'event', 'online', 'thing'] });
    this.timer = setInterval(() => this.check(), this.deps.options.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.sub?.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The wake interval learnt for a thing (ms), or the configured default; 0 when none is known. */
  intervalOf(thingId: string): number {
    const s = this.schedules.get(thingId);
    if (!s || s.gaps.length === 0) return this.deps.options.sleepyIntervalMs;
    const sorted = [...s.gaps].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  /** Marks sleepy things that missed their wakes offline; called on a timer, public for tests. */
  check(now = this.deps.now()): void {
    for (const [id, s] of this.schedules) {
      const interval = this.intervalOf(id);
      if (interval <= 0 || this.markedOffline.has(id)) continue;
      if (now - s.lastWake <= this.deps.options.missedWakes * interval + this.deps.awakeWindowMs) continue;
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

  private activity(thingId: string): void {
    let sleepy: boolean;
    let online: boolean;
    try {
      ({ sleepy, online } = this.deps.hub.getThing(thingId));
    } catch {
      return;
    }
    if (!sleepy) return;
    const now = this.deps.now();
    const s = this.schedules.get(thingId);
    if (!s) this.schedules.set(thingId, { lastWake: now, gaps: [] });
    else if (now - s.lastWake > this.deps.awakeWindowMs) {
      s.gaps.push(now - s.lastWake);
      if (s.gaps.length > GAPS_KEPT) s.gaps.shift();
      s.lastWake = now;
    }
    if (this.markedOffline.delete(thingId) && !online) this.deps.hub.setOnline(thingId, true);
  }
}
