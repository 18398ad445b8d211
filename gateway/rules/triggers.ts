/**
 * The trigger types as one table: each turns a rule's trigger into a small state machine that reads
 * the hub's bus messages and the engine's clock ticks and answers the firings they cause. State is
 * per thing where a trigger names no thing (it then watches every thing that has the property, the
 * event, or a wake schedule).
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
}

const NONE: Firing[] = [];
const matches = (want: string | undefined, thingId: string): boolean => want === undefined || want === thingId;

function levelTrigger(thingId: string | undefined, property: string, direction: Direction, level: number, band: number): TriggerState {
  const gates = new Map<string, HysteresisGate>();
  return {
    onMessage(m) {
      if (m.type === 'thing' && m.change === 'removed') gates.delete(m.thingId);
      if (m.type !== 'property' || m.name !== property || !matches(thingId, m.thingId) || typeof m.value !== 'number') return NONE;
      let gate = gates.get(m.thingId);
      if (!gate) gates.set(m.thingId, (gate = new HysteresisGate(direction, level, band)));
      if (!gate.update(m.value)) return NONE;
      const verb = direction === 'above' ? 'rose above' : 'fell below';
      return [{ kind: direction, thingId: m.thingId, name: property, value: m.value, reason: `${property} of ${m.thingId} ${verb} ${level}: ${m.value}` }];
    },
    onTick: () => NONE,
  };
}

function eventTrigger(thingId: string | undefined, event: string, deps: TriggerDeps): TriggerState {
  return {
    onMessage(m) {
      if (m.type !== 'event' || m.name !== event || !matches(thingId, m.thingId) || m.thingId === deps.systemThingId) return NONE;
      return [{ kind: 'event', thingId: m.thingId, name: event, value: m.data, reason: `event ${event} of ${m.thingId}` }];
    },
    onTick: () => NONE,
  };
}

function offlineTrigger(t: Extract<Trigger, { type: 'offline' }>, deps: TriggerDeps, now: number): TriggerState {
  const watch = new OfflineWatch(t, deps);
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
  };
}

type Factories = { [K in TriggerType]: (t: Extract<Trigger, { type: K }>, deps: TriggerDeps, now: number) => TriggerState };

const TRIGGERS: Factories = {
  threshold: (t) => levelTrigger(t.thingId, t.property, t.above !== undefined ? 'above' : 'below', t.above ?? t.below ?? 0, t.hysteresis ?? 0),
  // A battery reports in whole percent and jitters by one or two: re-arm 5 points above by default.
  battery: (t) => levelTrigger(t.thingId, t.property ?? 'battery', 'below', t.below, t.hysteresis ?? 5),
  event: (t, deps) => eventTrigger(t.thingId, t.event, deps),
  offline: offlineTrigger,
  schedule: (t, _deps, now) => scheduleTrigger(t, now),
};

/** The state machine of one rule's trigger, started at `now`. */
export function makeTrigger(t: Trigger, deps: TriggerDeps, now: number): TriggerState {
  const make = TRIGGERS[t.type] as (t: Trigger, deps: TriggerDeps, now: number) => TriggerState;
  return make(t, deps, now);
}
