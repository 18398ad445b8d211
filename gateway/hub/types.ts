/**
 * Records the hub keeps and serves: thing records, twin values, queued items as the APIs see
 * them, history rows and bus messages. The APIs (HTTP, MQTT, SSE) depend on these types and on
 * the Hub facade in hub.ts, never on the store.
 */
import type { QueuedKind, QueuedState, ThingDescription } from '../binding.js';

export interface ThingRecord {
  /** `urn:roost:<binding>:<deviceId>`; things PUT through the directory API keep the id they came with. */
  id: string;
  /** Owning binding, or `directory` for TDs registered through the directory API. */
  binding: string;
  deviceId: string;
  nativeTd: ThingDescription;
  consumerTd: ThingDescription;
  sleepy: boolean;
  online: boolean;
  createdAt: number;
  updatedAt: number;
  /** Set when the thing was removed (tombstone); removed things are not listed. */
  removedAt: number | null;
}

export interface TwinValue {
  value: unknown;
  /** Epoch ms the value was measured (or received). */
  ts: number;
  /** Where the value came from: `device`, `write` (a completed write), or a binding name. */
  source: string;
}

/** One state change of a queued item, with its time. */
export interface Transition {
  state: QueuedState;
  at: number;
}

/** A queued action or property write as the APIs see it (the status resource). */
export interface ActionView {
  id: string;
  thingId: string;
  kind: QueuedKind;
  name: string;
  input: unknown;
  state: QueuedState;
  output?: unknown;
  error?: string;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  transitions: Transition[];
}

export type HistoryKind = 'property' | 'event';

export interface HistoryRow {
  thingId: string;
  name: string;
  kind: HistoryKind;
  ts: number;
  value: unknown;
}

export interface HistoryQuery {
  thingId: string;
  name?: string;
  /** Only property values or only events. */
  kind?: HistoryKind;
  /** Inclusive epoch ms. */
  from?: number;
  /** Exclusive epoch ms. */
  to?: number;
  /** Default 1000, at most store.maxHistoryQueryRows. */
  limit?: number;
  /** Default ascending. */
  order?: 'asc' | 'desc';
}

/** What travels on the hub's in-process bus. */
export type BusMessage =
  | { type: 'property'; thingId: string; name: string; value: unknown; ts: number; source: string }
  | { type: 'event'; thingId: string; name: string; data: unknown; ts: number }
  | { type: 'action'; action: ActionView }
  | { type: 'thing'; thingId: string; change: 'added' | 'updated' | 'removed' }
  | { type: 'online'; thingId: string; online: boolean; ts: number }
  /** A binding opened (or extended) a thing's awake window until `untilMs` (ctx.awake, ctx.take): a wake, seen by availability and the uplink. */
  | { type: 'awake'; thingId: string; untilMs: number; ts: number }
  /** A device's onboarding state changed (pending, approved, rejected, revoked). */
  | { type: 'device'; thingId: string; binding: string; deviceId: string; state: 'pending' | 'approved' | 'rejected' | 'revoked'; ts: number };

export type BusMessageType = BusMessage['type'];
