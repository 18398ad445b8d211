/**
 * The offline trigger's state per thing (docs/rules.md "offline"): a thing is down when
 * - `missedWakes: N`: a sleepy thing has been silent for N of its wake intervals (the interval the
 *   hub's availability tracker learnt from its wakes); an always-on thing when the hub says offline;
 * - `afterMs: M`: a sleepy thing has been silent, or any thing offline in the hub, for M ms;
 * - neither: the hub marks it offline (availability.missedWakes, or its binding says so).
 * Being down fires once (`offline`); the next sign of life fires once (`online`, unless backOnline
 * is false) and re-arms. Time is passed in, so the watch is pure apart from the hub's view of things.
 */
import type { Firing, OfflineTrigger } from './rule-types.js';

export interface ThingAvailability {
  /** The thing's sleepiness and the hub's online flag; undefined for an unknown thing. */
  thing(thingId: string): { sleepy: boolean; online: boolean } | undefined;
  /** The wake interval the hub learnt for a sleepy thing (ms); 0 when it knows none. */
  intervalOf(thingId: string): number;
}

interface Watch { lastActivity: number; offlineSince: number | null; down: boolean }

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

export class OfflineWatch {
  private readonly things = new Map<string, Watch>();

  constructor(
    private readonly spec: Omit<OfflineTrigger, 'type' | 'thingId'>,
    private readonly deps: ThingAvailability,
  ) {}

  /** Starts watching a thing as if it had just been heard from (a rule naming it, at its start). */
  watch(thingId: string, now: number): void {
    if (!this.things.has(thingId)) this.things.set(thingId, { lastActivity: now, offlineSince: null, down: false });
  }

  forget(thingId: string): void {
    this.things.delete(thingId);
  }

  /** A value, an event or the hub's `online: true`: a sign of life. */
  activity(thingId: string, now: number): Firing[] {
    const w = this.things.get(thingId);
    if (!w) {
      this.watch(thingId, now);
      return [];
    }
    const silentS = seconds(now - w.lastActivity);
    w.lastActivity = now;
    w.offlineSince = null;
    if (!w.down) return [];
    w.down = false;
    if (this.spec.backOnline === false) return [];
    return [{ kind: 'online', thingId, value: { silentS }, reason: `${thingId} is back online after ${silentS} s` }];
  }

  /** The hub's `online: false`. */
  wentOffline(thingId: string, now: number): void {
    this.watch(thingId, now);
    const w = this.things.get(thingId)!;
    w.offlineSince ??= now;
  }

  /** Things that went down since the last check, each once. */
  check(now: number): Firing[] {
    const out: Firing[] = [];
    for (const [thingId, w] of this.things) {
      if (w.down) continue;
      const t = this.deps.thing(thingId);
      if (!t) continue;
      if (!t.online) w.offlineSince ??= now;
      const why = this.downBecause(thingId, t, w, now);
      if (why === null) continue;
      w.down = true;
      out.push({ kind: 'offline', thingId, value: { lastSeen: w.lastActivity, silentS: seconds(now - w.lastActivity) }, reason: `${thingId} ${why}` });
    }
    return out;
  }

  private downBecause(thingId: string, t: { sleepy: boolean; online: boolean }, w: Watch, now: number): string | null {
    const { missedWakes, afterMs } = this.spec;
    const silent = now - w.lastActivity;
    const offlineFor = w.offlineSince === null ? null : now - w.offlineSince;
    if (missedWakes === undefined && afterMs === undefined) return t.online ? null : 'is offline';
    if (missedWakes !== undefined) {
      const interval = t.sleepy ? this.deps.intervalOf(thingId) : 0;
      if (interval > 0 && silent > missedWakes * interval) return `missed ${missedWakes} wakes (one every ${seconds(interval)} s; silent ${seconds(silent)} s)`;
      if (!t.sleepy && !t.online) return 'is offline';
    }
    if (afterMs !== undefined) {
      if (t.sleepy && silent > afterMs) return `has been silent for ${seconds(silent)} s`;
      if (offlineFor !== null && offlineFor >= afterMs) return `has been offline for ${seconds(offlineFor)} s`;
    }
    return null;
  }
}
