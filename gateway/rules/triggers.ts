/**
 * The trigger types as one table: each turns a rule's trigger into a small state machine that reads
 * the hub's bus messages and the engine's clock ticks and answers the firings they cause. State is
 * per thing where a trigger names no thing (it then watches every thing that has the property, the
 * event, or a wake schedule). What must survive a restart (thresholds disarmed, things reported
 * offline) is given by `saved()` and handed back to makeTrigger after one; schedules and event
 * triggers keep nothing (a schedule starts from the restart and never catches up).
 */
import type { BusMessage } from '../hub/types.js';
import { HysteresisGate, type Direction } from './hysteresis.js';
import { OfflineWatch, type ThingAvailability } from './offline-watch.js';
import type { Firing, Trigger, TriggerType } from './rule-types.js';
import { describeSchedule, nextDue } from './schedule.js';

export interface TriggerDeps extends ThingAvailability {
  /** The gateway's own thing: its `ruleFired` events never trigger a rule (no loops). */
  systemThingId: string;
}

export interface TriggerState {
  onMessage(m: BusMessage, now: number): Firing[];
  onTick(now: number): Firing[];
  /** The state to keep across a restart (JSON), undefined for a trigger that keeps none. */
  saved(): SavedTrigger | undefined;
  /** True once after the saved state changed since the last call (the engine then stores it). */
  takeChanged(): boolean;
}

/** A trigger's state as stored (rule-store.ts): the things whose threshold is disarmed, the things down. */
export interface SavedTrigger {
  disarmed?: string[];
  down?: Record<string, number>;
}

const NONE: Firing[] = [];
const STATELESS = { saved: (): undefined => undefined, takeChanged: () => false };
const matches = (want: string | undefined, thingId: string): boolean => want === undefined || want === thingId;

function levelTrigger(thingId: string | undefined, property: string, direction: Direction, level: number, band: number, saved?: SavedTrigger): TriggerState {
  const gates = new Map<string, HysteresisGate>();
  for (const id of saved?.disarmed ?? []) if (matches(thingId, id)) gates.set(id, new HysteresisGate(direction, level, band, false));
  let changed = false;
  return {
    onMessage(m) {
      if (m.type === 'thing' && m.change === 'removed') {
        changed ||= gates.get(m.thingId)?.isArmed === false;
        gates.delete(m.thingId);
      }
      if (m.type !== 'property' || m.name !== property || !matches(thingId, m.thingId) || typeof m.value !== 'number') return NONE;
      let gate = gates.get(m.thingId);
      if (!gate) gates.set(m.thingId, (gate = new HysteresisGate(direction, level, band)));
      const wasArmed = gate.isArmed;
      const fired = gate.update(m.value);
      changed ||= gate.isArmed !== wasArmed;
      if (!fired) return NONE;
      const verb = direction === 'above' ? 'rose above' : 'fell below';
      return [{ kind: direction, thingId: m.thingId, name: property, value: m.value, reason: `${property} of ${m.thingId} ${verb} ${level}: ${m.value}` }];
    },
    onTick: () => NONE,
    saved: () => ({ disarmed: [...gates].filter(([, g]) => !g.isArmed).map(([id]) => id) }),
    takeChanged() {
      const c = changed;
      changed = false;
      return c;
    },
  };
}

function eventTrigger(thingId: string | undefined, event: string, deps: TriggerDeps): TriggerState {
  return {
    onMessage(m) {
      if (m.type !== 'event' || m.name !== event || !matches(thingId, m.thingId) || m.thingId === deps.systemThingId) return NONE;
      return [{ kind: 'event', thingId: m.thingId, name: event, value: m.data, reason: `event ${event} of ${m.thingId}` }];
    },
    onTick: () => NONE,
    ...STATELESS,
  };
}

function offlineTrigger(t: Extract<Trigger, { type: 'offline' }>, deps: TriggerDeps, now: number, saved?: SavedTrigger): TriggerState {
  const watch = new OfflineWatch(t, deps);
  if (saved?.down) watch.restoreDown(Object.fromEntries(Object.entries(saved.down).filter(([id]) => matches(t.thingId, id))));
  if (t.thingId !== undefined) watch.watch(t.thingId, now);
  return {
    onMessage(m, at) {
      if (m.type === 'action' || !matches(t.thingId, m.thingId)) return NONE;
      switch (m.type) {
        case 'property':
        case 'event':
        case 'awake':
          return watch.activity(m.thingId, at);
        case 'online':
          if (m.online) return watch.activity(m.thingId, at);
          watch.wentOffline(m.thingId, at);
          return NONE;
        case 'thing':
          if (m.change === 'removed') watch.forget(m.thingId);
          else watch.watch(m.thingId, at);
          return NONE;
        default:
          return NONE;
      }
    },
    onTick: (at) => watch.check(at),
    saved: () => ({ down: watch.down() }),
    takeChanged: () => watch.takeChanged(),
  };
}

function scheduleTrigger(t: Extract<Trigger, { type: 'schedule' }>, now: number): TriggerState {
  let due = nextDue(t, now);
  return {
    onMessage: () => NONE,
    onTick(at) {
      if (at < due) return NONE;
      const fired = due;
      due = nextDue(t, at, due);
      return [{ kind: 'schedule', value: new Date(fired).toISOString(), reason: describeSchedule(t) }];
    },
    ...STATELESS,
  };
}

type Factories = { [K in TriggerType]: (t: Extract<Trigger, { type: K }>, deps: TriggerDeps, now: number, saved?: SavedTrigger) => TriggerState };

const TRIGGERS: Factories = {
  threshold: (t, _deps, _now, saved) => levelTrigger(t.thingId, t.property, t.above !== undefined ? 'above' : 'below', t.above ?? t.below ?? 0, t.hysteresis ?? 0, saved),
  // A battery reports in whole percent and jitters by one or two: re-arm 5 points above by default.
  battery: (t, _deps, _now, saved) => levelTrigger(t.thingId, t.property ?? 'battery', 'below', t.below, t.hysteresis ?? 5, saved),
  event: (t, deps) => eventTrigger(t.thingId, t.event, deps),
  offline: offlineTrigger,
  schedule: (t, _deps, now) => scheduleTrigger(t, now),
};

/** The state machine of one rule's trigger, started at `now`, resuming from `saved` after a restart. */
export function makeTrigger(t: Trigger, deps: TriggerDeps, now: number, saved?: SavedTrigger): TriggerState {
  const make = TRIGGERS[t.type] as (t: Trigger, deps: TriggerDeps, now: number, saved?: SavedTrigger) => TriggerState;
  return make(t, deps, now, saved);
}
