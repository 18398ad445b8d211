/**
 * Rules as the engine, the store and the API see them (docs/rules.md). rule-schema.ts is the same
 * shape as JSON Schema; a rule reaches the engine only after rule-validator.ts checked it.
 */
import type { CONDITION_OPS } from './rule-schema.js';

/** A property crossing a level: fires once on the way over, re-arms once back past the band. */
export interface ThresholdTrigger { type: 'threshold'; thingId?: string; property: string; above?: number; below?: number; hysteresis?: number }
/** A battery level (%) falling below `below`; re-arms above below + hysteresis (default 5). */
export interface BatteryTrigger { type: 'battery'; thingId?: string; property?: string; below: number; hysteresis?: number }
export interface EventTrigger { type: 'event'; thingId?: string; event: string }
/** A thing that stops talking, then (backOnline, default true) comes back. */
export interface OfflineTrigger { type: 'offline'; thingId?: string; missedWakes?: number; afterMs?: number; backOnline?: boolean }
/** Every everyMs, or each day at dailyAt (HH:MM, UTC). */
export interface ScheduleTrigger { type: 'schedule'; everyMs?: number; dailyAt?: string }

export type Trigger = ThresholdTrigger | BatteryTrigger | EventTrigger | OfflineTrigger | ScheduleTrigger;
export type TriggerType = Trigger['type'];

export type ConditionOp = (typeof CONDITION_OPS)[number];
/** Holds when the twin of thingId has a value of property and `value op condition.value`. */
export interface Condition { thingId: string; property: string; op: ConditionOp; value: number | string | boolean }

export type Action =
  | { type: 'event' }
  | { type: 'mqtt'; topic?: string }
  | { type: 'webhook'; url: string; headers?: Record<string, string> }
  | { type: 'invoke'; thingId: string; action: string; input?: unknown }
  | { type: 'write'; thingId: string; property: string; value: unknown };
export type ActionType = Action['type'];

/** What a client writes (POST, PUT; a PATCH merges into it). */
export interface RuleInput {
  id?: string;
  name: string;
  enabled?: boolean;
  trigger: Trigger;
  conditions?: Condition[];
  actions: Action[];
  maxFiresPerMinute?: number;
}

/** A rule as stored: the input with its id and owner. Its actions run with `role`. */
export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  trigger: Trigger;
  conditions: Condition[];
  actions: Action[];
  maxFiresPerMinute?: number;
  createdBy: string;
  role: string;
  createdAt: number;
  updatedAt: number;
}

/** One firing of a trigger: which thing, what value, and why in words. */
export interface Firing {
  /** e.g. `above`, `below`, `event`, `offline`, `online`, `schedule`. */
  kind: string;
  thingId?: string;
  /** The property or event that fired it. */
  name?: string;
  value: unknown;
  reason: string;
}

/** What every action sends: the body of the webhook, the MQTT payload, the `ruleFired` event's data. */
export interface Notification extends Firing {
  ruleId: string;
  rule: string;
  trigger: TriggerType;
  firedAt: number;
}

/** What a rule did last (docs/rules.md "Status"). */
export interface RuleStatus {
  lastFiredAt: number | null;
  lastFiring: Firing | null;
  lastError: string | null;
  lastErrorAt: number | null;
  fires: number;
  errors: number;
  /** Firings dropped by the rate limit. */
  suppressed: number;
  /** Its last run failed (some action did). */
  failing: boolean;
}

export type RuleView = Rule & { status: RuleStatus };
