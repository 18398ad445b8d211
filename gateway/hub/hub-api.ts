/**
 * The facade the APIs (HTTP, MQTT, SSE, CLI) use. Implemented by Hub (hub.ts).
 * Every method throws typed errors from protocols/errors.ts.
 */
import type { BindingStatus, ThingDescription } from '../binding.js';
import type { Onboarding } from '../onboarding/onboarding.js';
import type { ActionView, BusMessage, BusMessageType, HistoryQuery, HistoryRow, ThingRecord, TwinValue } from './types.js';

export interface SubscribeOptions {
  /** Only these message types. */
  types?: readonly BusMessageType[];
  /** Only this thing. */
  thingId?: string;
  /** Bounded buffer of this subscriber; the oldest message is dropped (and counted) when full. */
  maxBuffer?: number;
}

export interface Subscription {
  /** Messages dropped because this subscriber was slow. */
  readonly dropped: number;
  unsubscribe(): void;
}

export interface InvokeOptions {
  /** Time to live in the queue; default from config (queue.defaultTtlMs). */
  ttlMs?: number;
  /** Who asked (username), recorded with the item. */
  requestedBy?: string;
}

export interface HubCounters {
  eventsIn: number;
  propertiesIn: number;
  /** Property values and events stored at their arrival time: the device's time stamp was later than now + HubOptions.maxClockSkewMs. */
  deviceTimesClamped: number;
  actionsQueued: number;
  actionsDelivered: number;
  actionsCompleted: number;
  actionsFailed: number;
  actionsExpired: number;
  actionsSuperseded: number;
  actionsCancelled: number;
  actionsRejected: number;
  busDropped: number;
  historyRowsWritten: number;
  historyRowsDropped: number;
}

/** What happened to property values on their way in and out (kept apart from HubCounters). */
export interface HubValueCounters {
  /** Property values from devices dropped because they did not fit the TD (device-value-guard.ts). */
  deviceValuesDropped: number;
  /** Live reads of always-on devices: device requests started, readers that timed out, failed requests. */
  liveReads: number;
  liveReadTimeouts: number;
  liveReadFailures: number;
}

/** Current levels (Prometheus gauges). */
export interface HubGauges {
  things: number;
  thingsOnline: number;
  /** Actions and writes queued or sent, not yet final. */
  actionsActive: number;
  busSubscribers: number;
}

export interface HubApi {
  /** Onboarding: pending, approved, rejected and revoked devices (gateway/onboarding). */
  readonly onboarding: Onboarding;
  // Directory
  listThings(opts?: { offset?: number; limit?: number }): { items: ThingRecord[]; total: number };
  getThing(id: string): ThingRecord;
  /** Directory API PUT: creates (true) or replaces (false) a TD registered by a client (binding `directory`). */
  putThing(id: string, td: ThingDescription): { created: boolean; thing: ThingRecord };
  /** Directory API POST: anonymous TD, the hub assigns `urn:uuid:...`. */
  createThing(td: ThingDescription): ThingRecord;
  /** RFC 7396 merge patch of a directory-registered TD. */
  patchThing(id: string, patch: Record<string, unknown>): ThingRecord;
  deleteThing(id: string): void;
  /** The hub's own directory TD (served at /.well-known/wot). */
  directoryTd(): ThingDescription;

  // Twin
  /** The twin's value of a property, if it has one that fits the TD. Throws for an unknown thing or property. */
  readProperty(thingId: string, name: string): TwinValue | undefined;
  /** Every twin value of a thing that fits the TD; properties without one are absent. */
  readAllProperties(thingId: string): Record<string, TwinValue>;
  /**
   * A property as a consumer reads it (docs/api.md, "Properties"): the twin's value, or for an
   * always-on device whose binding can read live (and the property has no value, or is not
   * observable) the device's own answer, within timeoutMs. Never a value that breaks the schema.
   * Throws NoValueError (no value and no live read), DeviceTimeoutError, RateLimitedError.
   */
  fetchProperty(thingId: string, name: string, opts: { timeoutMs: number }): Promise<TwinValue>;

  // Queue
  writeProperty(thingId: string, name: string, value: unknown, opts?: InvokeOptions): ActionView;
  invokeAction(thingId: string, name: string, input: unknown, opts?: InvokeOptions): ActionView;
  getAction(id: string): ActionView;
  listActions(thingId: string, opts?: { states?: readonly string[]; limit?: number }): ActionView[];
  cancelAction(id: string): ActionView;
  /** How many of a thing's items wait in the queue (`queued`) or on the device (`sent`). */
  activeActions(thingId: string): { queued: number; sent: number };
  /** Resolves with the view once the item reaches a final state or `delivered`, or at timeout with the current view. */
  waitForAction(id: string, timeoutMs: number): Promise<ActionView>;

  // History
  history(q: HistoryQuery): HistoryRow[];

  // Bus
  subscribe(handler: (msg: BusMessage) => void | Promise<void>, opts?: SubscribeOptions): Subscription;

  // Health
  counters(): HubCounters;
  valueCounters(): HubValueCounters;
  gauges(): HubGauges;
  bindingStatuses(): Record<string, BindingStatus>;
  /** Asks each running binding to write what a backup needs (Binding.beforeBackup); answers those that failed. */
  prepareBackup(): Promise<string[]>;
}
