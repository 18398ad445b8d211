/**
 * The offline trigger's state per thing (docs/rules.md "offline"): a thing is down when
 * - `missedWakes: N`: a sleepy thing has been silent for N of its wake intervals (the interval the
 *   hub's availability tracker learnt from its wakes); an always-on thing when the hub says offline;
 * - `afterMs: M`: a sleepy thing has been silent, or any thing offline in the hub, for M ms;
 * - neither: the hub marks it offline (availability.missedWakes, or its binding says so).
 * Being down fires once (`offline`); the next sign of life fires once (`online`, unless backOnline
 * is false) and re-arms. Time is passed in, so the watch is pure apart from the hub's view of things.
 * The things that are down (and when each was last heard from) are the state that must survive a
 * restart: `down()` gives it, `restoreDown()` takes it back, so a thing that went offline before a
 * restart is not reported offline twice and its return is still reported.
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
  private changed = false;

  constructor(
    private readonly spec: Omit<OfflineTrigger, 'type' | 'thingId'>,
    private readonly deps: ThingAvailability,
  ) {}

  /** Starts watching a thing as if it had just been heard from (a rule naming it, at its start). */
  watch(thingId: string, now: number): void {
    if (!this.things.has(thingId)) this.things.set(thingId, { lastActivity: now, offlineSince: null, down: false });
  }

  forget(thingId: string): void {
    if (this.things.get(thingId)?.down) this.changed = true;
    this.things.delete(thingId);
  }

  /** The things reported down, each with when it was last heard from (ms). */
  down(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [thingId, w] of this.things) if (w.down) out[thingId] = w.lastActivity;
    return out;
  }

  /** Takes back what down() gave before a restart: those things stay down until heard from. */
  restoreDown(down: Readonly<Record<string, number>>): void {
    for (const [thingId, lastActivity] of Object.entries(down)) {
      if (Number.isFinite(lastActivity)) this.things.set(thingId, { lastActivity, offlineSince: null, down: true });
    }
  }

  /** True once after the set of things down changed (the engine then stores it). */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
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
    this.changed = true;
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
      this.changed = true;
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
