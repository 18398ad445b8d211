/**
 * The Binding interface: the whole contract between a protocol binding and the hub.
 * bindings/ import this file for types only. One binding = one folder + one class
 * implementing Binding; the composition root (gateway/binding-registry.ts) is the only
 * place that knows the list.
 */
import type { Logger } from 'pino';

/** A W3C WoT Thing Description (TD 1.1) as plain JSON. */
export type ThingDescription = Record<string, unknown> & { title: string };

/** Lifecycle state a binding reports; `absent` means its hardware is not there (the gateway keeps running). */
export type BindingState = 'starting' | 'running' | 'absent' | 'error' | 'stopped';

export interface BindingStatus {
  state: BindingState;
  /** Human-readable reason for absent/error. */
  detail?: string;
  /** Monotonic counters exported in /metrics as roost_binding_<name>_<counter>_total. */
  counters: Record<string, number>;
  /** Gauges exported in /metrics as roost_binding_<name>_<gauge>. */
  gauges?: Record<string, number>;
}

/** What a binding registers for one device. */
export interface ThingRegistration {
  /** Device id unique within the binding; the thing id becomes `urn:roost:<binding>:<deviceId>`. */
  deviceId: string;
  /** The device's native TD (what it offers); validated against the TD 1.1 schema. */
  nativeTd: ThingDescription;
  /**
   * Sleepy devices are reachable only inside an awake window (opened by ctx.awake()).
   * Non-sleepy devices are always awake: queued items go out at once.
   */
  sleepy: boolean;
  /** In-flight queued items the binding accepts at once for this thing (default 1). */
  maxInFlight?: number;
  /**
   * For sleepy things: whether the binding can push an item to the device while its awake window
   * is open (default true). False for a device that only listens for answers to its own uplinks:
   * its items go out only through ctx.take(), one per answer.
   */
  push?: boolean;
}

/** Kinds of queued items: an action invocation or a property write. */
export type QueuedKind = 'action' | 'write';

export type QueuedState =
  | 'queued'
  | 'sent'
  | 'delivered'
  | 'completed'
  | 'failed'
  | 'expired'
  | 'superseded'
  | 'cancelled';

/** One item of a thing's action queue, as handed to a binding. */
export interface QueuedItem {
  id: string;
  thingId: string;
  deviceId: string;
  kind: QueuedKind;
  /** Action or property name (as in the native TD). */
  name: string;
  input: unknown;
  /** Delivery attempts so far, this one included. */
  attempt: number;
  /** Epoch ms after which the item expires if not delivered. */
  expiresAt: number;
}

/**
 * What a binding answers for one delivery.
 * - completed: the device did it (output for actions);
 * - delivered: the device has it; the result comes later through ctx.complete();
 * - retry: could not reach the device now (it went back to sleep): the item is queued again, at its place;
 * - failed: the device refused or the item is undeliverable; final.
 */
export type DeliveryOutcome =
  | { state: 'completed'; output?: unknown }
  | { state: 'delivered' }
  | { state: 'retry'; reason: string }
  | { state: 'failed'; error: string; code?: string };

/** What the hub gives a binding when it starts. */
export interface BindingContext {
  readonly logger: Logger;
  /** Epoch milliseconds (injectable clock for tests). */
  now(): number;
  /** Directory of this gateway's data (for key files, backups). */
  readonly dataDir: string;

  /** Registers or replaces a device's native TD; returns the thing id. Throws TdInvalidError. */
  registerThing(reg: ThingRegistration): string;
  /** Marks a thing removed (tombstone in the directory; history kept). */
  removeThing(thingId: string): void;
  /** Thing id for a device id of this binding (pure; the thing may not exist). */
  thingId(deviceId: string): string;
  /** True when the thing is registered and not removed. */
  hasThing(thingId: string): boolean;

  /** Reports property values read from the device (twin, history, subscribers). ts: epoch ms. */
  reportProperties(thingId: string, values: Record<string, unknown>, ts?: number): void;
  /** Reports an event the device emitted. */
  emitEvent(thingId: string, name: string, data: unknown, ts?: number): void;
  /** Reports the thing reachable or not (availability). */
  setOnline(thingId: string, online: boolean): void;

  /**
   * The device is awake (any uplink counts) for windowMs (default from config).
   * Synchronously hands the first pending queued item to Binding.deliver() before it
   * returns, so a binding may piggyback it on its answer to the uplink.
   */
  awake(thingId: string, windowMs?: number): void;
  /** The device said it goes to sleep now: the awake window closes. */
  asleep(thingId: string): void;
  /** Final result of an item whose delivery answered `delivered`. */
  complete(itemId: string, outcome: { state: 'completed'; output?: unknown } | { state: 'failed'; error: string }): void;
  /** Items still pending (queued) for a thing, in order, without handing them out. */
  pending(thingId: string): readonly QueuedItem[];

  /**
   * The device is awake and an answer to its uplink is being built: opens the awake window and
   * hands over the next queued item to ride in that answer (the item is then `delivered`; its
   * result is awaited for queue.resultTimeoutMs, after which it goes out again). `item` is null
   * when nothing may go now (nothing queued, or an earlier item still awaits its result);
   * `more` counts the items queued behind it.
   */
  take(thingId: string, windowMs?: number): { item: QueuedItem | null; more: number };

  /**
   * Resolves once every value, event and state write this gateway took before the call is
   * committed to SQLite (group commit). A binding acknowledges a device only after it resolved
   * (ARCHITECTURE.md "The device contract"); it rejects when the write failed.
   */
  committed(): Promise<void>;

  /**
   * Durable key-value state of this binding (registrations, device identities, sequence
   * numbers): written with the next group commit (await committed() before acknowledging),
   * restored after a restart. Values are JSON. Read it with load() at start.
   */
  readonly store: BindingStore;

  /** Onboarding: where a device of this binding stands (pure lookup). */
  admission(deviceId: string): Admission;
  /**
   * A device asks to be admitted (first contact, or again while pending). Policy `open`: approved
   * at once; `approve` (default): it is pending until an admin decides (listed in
   * GET /devices/pending); `manifest`: only devices a manifest listed are approved, others rejected.
   * Bounded (onboarding.maxPending): beyond it a new device is refused and counted. Nothing a
   * device that is not approved sends may reach twin, history, consumers or the queue.
   */
  requestAdmission(claim: DeviceClaim): Admission;
  /** The approved device of this binding whose OSCORE recipient id (its kid, hex) is `kidHex`. */
  findByOscoreKid(kidHex: string): { deviceId: string; credentials: DeviceCredentials } | undefined;
  /**
   * The device of this binding holding the public key with this fingerprint (hex SHA-256 of the raw
   * key), by its credentials.publicKeySha256 or the key it proved (claims.publicKeySha256), in any state.
   */
  findByPublicKey(fingerprint: string): { deviceId: string; admission: Admission } | undefined;
  /** Called after an admin approved, rejected or revoked a device of this binding. */
  onAdmissionChange(listener: (deviceId: string, admission: Admission) => void): void;
}

/** What a device the binding sees for the first time says about itself (onboarding). */
export interface DeviceClaim {
  /** Device id within the binding (the thing id becomes `urn:roost:<binding>:<deviceId>`). */
  deviceId: string;
  /** How it was seen, for the admin deciding: e.g. `coap registration from 192.0.2.7:5683`. */
  seenAs: string;
  /**
   * What it claims to be (endpoint parameters, model, offered affordances), JSON. A binding that
   * verified the device's key (EDHOC) puts its fingerprint in `publicKeySha256`: approval turns it
   * into credentials.publicKeySha256.
   */
  claims?: Record<string, unknown>;
}

/** An OSCORE security context's inputs (RFC 8613 §3.2); byte strings as hex. */
export interface OscoreCredential {
  masterSecret: string;
  masterSalt?: string;
  /** The gateway's sender id (hex; Roost uses the empty string). */
  senderId: string;
  /** The device's sender id = the gateway's recipient id, the kid in its requests (hex, 1-7 bytes). */
  recipientId: string;
  idContext?: string;
}

/** Credentials of an approved device, as a manifest or an admin gave them. */
export interface DeviceCredentials {
  oscore?: OscoreCredential;
  /** BTHome v2 AES key (hex). */
  bthomeKey?: string;
  /** Public key fingerprint (SHA-256, hex) of a device that enrols by key (EDHOC). */
  publicKeySha256?: string;
}

/**
 * Where a device stands: `approved` (with its credentials), `pending` (seen, waiting for an admin),
 * `rejected` or `revoked` (refused; revoked devices lost their credentials), `unknown` (never seen).
 */
export type Admission =
  | { state: 'approved'; credentials: DeviceCredentials }
  | { state: 'pending' | 'rejected' | 'revoked' | 'unknown' };

/** A binding's durable key-value state (see BindingContext.store). */
export interface BindingStore {
  /** Every key with its value, as committed plus writes not yet committed. */
  load(): Map<string, unknown>;
  /** Sets a key (undefined deletes it). */
  put(key: string, value: unknown): void;
  delete(key: string): void;
}

/** A protocol binding. */
export interface Binding {
  /** Binding name: `coap`, `serial`, `ble`, `zigbee`, `system`. */
  readonly name: string;
  /** Starts transports; must not throw for absent hardware: report `absent` in status() instead. */
  start(ctx: BindingContext): Promise<void>;
  /** Stops transports and timers; idempotent. */
  stop(): Promise<void>;
  status(): BindingStatus;
  /**
   * Delivers one queued item to an awake device. Called synchronously from ctx.awake()
   * or when an item is queued while the device is awake; at most maxInFlight at once per thing.
   */
  deliver(item: QueuedItem): Promise<DeliveryOutcome>;
  /** Optional live read for always-on devices; sleepy devices are answered from the twin. */
  readProperty?(thingId: string, name: string): Promise<unknown>;
  /**
   * Optional: writes what the binding keeps outside its store and SQLite (e.g. herdsman's
   * coordinator backup) into the data dir now, so that a backup archive taken next holds it.
   */
  beforeBackup?(): Promise<void>;
}

/** What a binding module exports: a factory and its options schema (JSON Schema). */
export interface BindingModule<O = Record<string, unknown>> {
  /** JSON Schema of the binding's config section (under bindings.<name>), with defaults. */
  readonly optionsSchema: Record<string, unknown>;
  create(options: O): Binding;
}

/**
 * The TypeScript type of a value a JSON Schema (as `const`) describes, for binding options:
 * declared once, as the schema, with the type and the defaults derived from it. Covers what
 * option schemas use: integer/number, string, boolean, enum, arrays, objects with `required`.
 * A property with a `default` is always there after the config loader applied the defaults.
 */
export type FromSchema<S> =
  S extends { enum: readonly (infer E)[] } ? E
  : S extends { type: 'integer' | 'number' } ? number
  : S extends { type: 'string' } ? string
  : S extends { type: 'boolean' } ? boolean
  : S extends { type: 'array'; items: infer I } ? Array<FromSchema<I>>
  : S extends { properties: infer P } ? SchemaObject<P, S extends { required: readonly (infer R)[] } ? R : never>
  : unknown;

type SchemaObject<P, R> = {
  -readonly [K in keyof P as K extends R ? K : P[K] extends { default: unknown } ? K : never]: FromSchema<P[K]>;
} & {
  -readonly [K in keyof P as K extends R ? never : P[K] extends { default: unknown } ? never : K]?: FromSchema<P[K]>;
};
