/**
 * The hub: directory, twin, bus, history and action queue behind one facade (HubApi) for the
 * APIs, and one BindingContext per binding. This is the only place they are wired together.
 */
import type { Logger } from 'pino';
import type { Binding, BindingContext, BindingStatus, QueuedState, ThingDescription } from '../binding.js';
import type { RoostConfig } from '../config/config.js';
import { BindingUnavailableError, MethodNotAllowedError, NoValueError } from '../../protocols/errors.js';
import type { Db } from '../store/database.js';
import { HistoryStore } from '../store/history-store.js';
import { QueueStore } from '../store/queue-store.js';
import { ThingStore } from '../store/thing-store.js';
import type { HubEndpoints } from '../td/consumer-td.js';
import { directoryTd as buildDirectoryTd } from '../td/directory-td.js';
import { ActionQueue, type QueueTarget } from './action-queue.js';
import { DeviceStore } from '../onboarding/device-store.js';
import { Onboarding } from '../onboarding/onboarding.js';
import { bindingContext } from './binding-context.js';
import { DeviceIntake } from './device-intake.js';
import { DeviceValueGuard } from './device-value-guard.js';
import { DIRECTORY_BINDING, Directory, thingIdFor } from './directory.js';
import { EventBus } from './event-bus.js';
import type { HubApi, HubCounters, HubGauges, HubValueCounters, InvokeOptions, SubscribeOptions, Subscription } from './hub-api.js';
import { LiveReads } from './live-reads.js';
import { Twin } from './twin.js';
import type { ActionView, BusMessage, HistoryQuery, HistoryRow, ThingRecord, TwinValue } from './types.js';
import { ValueValidator } from './value-validator.js';

export interface HubOptions {
  db: Db;
  config: RoostConfig;
  logger: Logger;
  endpoints: HubEndpoints;
  now?: () => number;
  /**
   * How far ahead of the gateway's clock a device's time stamp may be, in ms (default: config
   * store.maxClockSkewMs, 5 minutes). A value or event stamped later than that is stored at its arrival
   * time and counted (deviceTimesClamped): the twin keeps the newest value by time, so one reading
   * from a device whose clock says 2100 would otherwise hide every later reading until 2100.
   */
  maxClockSkewMs?: number;
}

/** Default of store.maxClockSkewMs: 5 minutes. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

const STATE_COUNTER: Partial<Record<QueuedState, keyof HubCounters>> = {
  delivered: 'actionsDelivered',
  completed: 'actionsCompleted',
  failed: 'actionsFailed',
  expired: 'actionsExpired',
  superseded: 'actionsSuperseded',
  cancelled: 'actionsCancelled',
};

export class Hub implements HubApi {
  readonly bus: EventBus;
  readonly directory: Directory;
  readonly historyStore: HistoryStore;
  readonly queue: ActionQueue;
  readonly twin: Twin;
  readonly onboarding: Onboarding;
  readonly config: RoostConfig;
  readonly logger: Logger;
  readonly now: () => number;
  private readonly validator = new ValueValidator();
  private readonly valueGuard: DeviceValueGuard;
  /** Device requests for live reads running at once (explicit limit; beyond it 429). */
  private readonly liveReads = new LiveReads({ maxInFlight: 64 });
  private readonly bindings = new Map<string, Binding>();
  private readonly statusOverride = new Map<string, BindingStatus>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly intake: DeviceIntake;
  private readonly stats: HubCounters = {
    eventsIn: 0, propertiesIn: 0, deviceTimesClamped: 0, actionsQueued: 0, actionsDelivered: 0, actionsCompleted: 0, actionsFailed: 0,
    actionsExpired: 0, actionsSuperseded: 0, actionsCancelled: 0, actionsRejected: 0, busDropped: 0,
    historyRowsWritten: 0, historyRowsDropped: 0,
  };

  constructor(opts: HubOptions) {
    this.config = opts.config;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.valueGuard = new DeviceValueGuard({ validator: this.validator, logger: opts.logger.child({ module: 'values' }) });
    const s = opts.config.store;
    this.bus = new EventBus({ defaultBuffer: opts.config.bus.subscriberBuffer, logger: opts.logger.child({ module: 'bus' }) });
    this.historyStore = new HistoryStore(opts.db, {
      batchMaxRows: s.historyBatchMaxRows,
      batchMaxMs: s.historyBatchMaxMs,
      bufferMaxRows: s.historyBufferMaxRows,
      maxQueryRows: s.maxHistoryQueryRows,
    });
    this.twin = new Twin(this.historyStore);
    this.onboarding = new Onboarding(new DeviceStore(opts.db), opts.config.onboarding, opts.logger.child({ module: 'onboarding' }), this.now, (device) =>
      this.bus.publish({ type: 'device', thingId: thingIdFor(device.binding, device.deviceId), binding: device.binding, deviceId: device.deviceId, state: device.state, ts: device.updatedAt }),
    );
    this.directory = new Directory(new ThingStore(opts.db), opts.endpoints, this.now, (thingId, change) => {
      if (change === 'removed') this.twin.forget(thingId); // its last values go with it; its history is kept
      this.bus.publish({ type: 'thing', thingId, change });
    });
    this.intake = new DeviceIntake({
      directory: this.directory, valueGuard: this.valueGuard, historyStore: this.historyStore, twin: this.twin, bus: this.bus, stats: this.stats, now: this.now,
      maxClockSkewMs: opts.maxClockSkewMs ?? opts.config.store.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
    });
    this.queue = new ActionQueue({
      store: new QueueStore(opts.db),
      options: opts.config.queue,
      now: this.now,
      logger: opts.logger.child({ module: 'queue' }),
      target: (thingId) => this.queueTarget(thingId),
      onChange: (action, previous) => this.onActionChange(action, previous),
    });
  }

  /** Starts the background work: TTL expiry and history retention. */
  startTimers(): void {
    const q = this.config.queue;
    const s = this.config.store;
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(() => {
        try {
          fn();
        } catch (err) {
          this.logger.error({ err }, 'background task failed');
        }
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(q.expiryIntervalMs, () => this.queue.expireDue());
    every(s.retentionIntervalS * 1000, () => this.runRetention());
  }

  /** History retention (max age, max rows per thing) and purge of long-finished queue items. */
  runRetention(): { historyRows: number; finishedActions: number } {
    const s = this.config.store;
    const now = this.now();
    const historyRows = this.historyStore.enforceRetention(now, s.historyMaxAgeDays * 86400000, s.historyMaxRowsPerThing);
    const finishedActions = this.queue.purgeFinished(now - this.config.queue.keepFinishedDays * 86400000);
    return { historyRows, finishedActions };
  }

  private queueTarget(thingId: string): QueueTarget | undefined {
    const t = this.directory.find(thingId);
    if (!t) return undefined;
    const binding = this.bindings.get(t.binding);
    if (!binding) return undefined;
    return {
      deviceId: t.deviceId,
      sleepy: t.sleepy,
      push: !this.answerOnly.has(thingId),
      maxInFlight: this.maxInFlight.get(thingId) ?? 1,
      deliver: (item) => binding.deliver(item),
    };
  }

  /** Per-thing in-flight limits a binding asked for at registration. */
  readonly maxInFlight = new Map<string, number>();
  /** Sleepy things that take items only in answers to their uplinks (registered with push: false). */
  readonly answerOnly = new Set<string>();

  private onActionChange(action: ActionView, previous: QueuedState | null): void {
    if (previous === null) this.stats.actionsQueued++;
    const counter = STATE_COUNTER[action.state];
    if (counter) this.stats[counter]++;
    // A write's acknowledgement is not a property report: the twin takes the value written (the
    // device's answer stays in the status resource's output); the device reports what it really
    // holds as any other value.
    if (action.kind === 'write' && action.state === 'completed') this.recordProperty(action.thingId, action.name, action.input, this.now(), 'write');
    this.bus.publish({ type: 'action', action });
  }

  /** Twin + history + bus for one property value; false when it was dropped (device-intake.ts). */
  recordProperty(thingId: string, name: string, value: unknown, ts: number, source: string): boolean {
    return this.intake.property(thingId, name, value, ts, source);
  }

  /** History + bus for one event; false when its data has no JSON form (dropped and counted). */
  recordEvent(thingId: string, name: string, data: unknown, ts: number): boolean {
    return this.intake.event(thingId, name, data, ts);
  }

  setOnline(thingId: string, online: boolean): void {
    if (this.directory.setOnline(thingId, online)) this.bus.publish({ type: 'online', thingId, online, ts: this.now() });
  }

  /** Builds the context a binding gets at start. */
  contextFor(binding: Binding, dataDir: string): BindingContext {
    return bindingContext(this, binding.name, dataDir);
  }

  attachBinding(binding: Binding): void {
    this.bindings.set(binding.name, binding);
    this.statusOverride.delete(binding.name);
    this.queue.dispatchAll();
  }

  detachBinding(name: string, status?: BindingStatus): void {
    this.bindings.delete(name);
    if (status) this.statusOverride.set(name, status);
  }

  setEndpoints(e: HubEndpoints): void {
    this.directory.setEndpoints(e);
  }

  // --- HubApi: directory

  listThings(opts: { offset?: number; limit?: number } = {}): { items: ThingRecord[]; total: number } {
    return this.directory.list(opts.offset ?? 0, opts.limit ?? 100);
  }

  getThing(id: string): ThingRecord {
    return this.directory.record(id);
  }

  putThing(id: string, td: ThingDescription): { created: boolean; thing: ThingRecord } {
    const r = this.directory.put(id, td);
    return { created: r.created, thing: this.directory.record(id) };
  }

  createThing(td: ThingDescription): ThingRecord {
    return this.directory.record(this.directory.create(td).id);
  }

  patchThing(id: string, patch: Record<string, unknown>): ThingRecord {
    this.directory.patch(id, patch);
    return this.directory.record(id);
  }

  deleteThing(id: string): void {
    this.directory.delete(id);
    this.queue.cancelAll(id, 'thing removed from the directory');
  }

  directoryTd(): ThingDescription {
    return buildDirectoryTd(this.directory.getEndpoints().httpBase);
  }

  // --- HubApi: twin and queue

  readProperty(thingId: string, name: string): TwinValue | undefined {
    const td = this.directory.require(thingId).nativeTd;
    this.validator.property(td, name);
    const v = this.twin.get(thingId, name);
    // The twin may hold a value stored before its TD changed (or before values were checked).
    return v && this.valueGuard.fits(td, name, v.value) ? v : undefined;
  }

  readAllProperties(thingId: string): Record<string, TwinValue> {
    const td = this.directory.require(thingId).nativeTd;
    return Object.fromEntries(Object.entries(this.twin.all(thingId)).filter(([name, v]) => this.valueGuard.fits(td, name, v.value)));
  }

  async fetchProperty(thingId: string, name: string, opts: { timeoutMs: number }): Promise<TwinValue> {
    const t = this.directory.require(thingId);
    const affordance = this.validator.property(t.nativeTd, name);
    const twin = this.readProperty(thingId, name);
    const binding = this.bindings.get(t.binding);
    const ask = binding?.readProperty?.bind(binding);
    // Fresh: what a sleepy device last said (it is never woken for a read), or an observable
    // property's last report; an always-on device is asked for the rest.
    const live = ask && binding && !t.sleepy && this.directory.isOnline(t) && (twin === undefined || affordance['observable'] !== true);
    if (!live || !ask || !binding) {
      if (twin) return twin;
      throw new NoValueError(`${name} of ${thingId} has no value yet${t.sleepy ? ': the device sleeps and has not reported it' : ''}`, { thingId, property: name });
    }
    const value = await this.liveReads.read(thingId, name, opts.timeoutMs, () => ask(thingId, name));
    const ts = this.now();
    if (!this.recordProperty(thingId, name, value, ts, binding.name)) {
      throw new NoValueError(`the device answered a value of ${name} that does not fit the TD`, { thingId, property: name });
    }
    return { value, ts, source: binding.name };
  }

  private interactive(thingId: string) {
    const t = this.directory.require(thingId);
    if (t.binding === DIRECTORY_BINDING) {
      throw new MethodNotAllowedError(`${thingId} was registered through the directory; use the forms of its own TD`);
    }
    if (!this.bindings.has(t.binding) && !this.config.bindings[t.binding]?.enabled && t.binding !== 'system') {
      throw new BindingUnavailableError(`binding ${t.binding} is not enabled`, { binding: t.binding });
    }
    return t;
  }

  writeProperty(thingId: string, name: string, value: unknown, opts: InvokeOptions = {}): ActionView {
    const t = this.interactive(thingId);
    this.validator.checkWrite(t.nativeTd, name, value);
    return this.enqueue({ thingId, kind: 'write', name, input: value, ...opts });
  }

  invokeAction(thingId: string, name: string, input: unknown, opts: InvokeOptions = {}): ActionView {
    const t = this.interactive(thingId);
    this.validator.checkInput(t.nativeTd, name, input);
    return this.enqueue({ thingId, kind: 'action', name, input, ...opts });
  }

  private enqueue(req: Parameters<ActionQueue['enqueue']>[0]): ActionView {
    try {
      return this.queue.enqueue(req);
    } catch (err) {
      this.stats.actionsRejected++;
      throw err;
    }
  }

  /** Checks that an event exists on a thing (for subscriptions). */
  requireEvent(thingId: string, name: string): void {
    this.validator.event(this.directory.require(thingId).nativeTd, name);
  }

  getAction(id: string): ActionView {
    return this.queue.get(id);
  }

  listActions(thingId: string, opts: { states?: readonly string[]; limit?: number } = {}): ActionView[] {
    this.directory.require(thingId);
    const all = this.queue.list(thingId, opts.limit ?? 100);
    return opts.states ? all.filter((a) => opts.states?.includes(a.state)) : all;
  }

  activeActions(thingId: string): { queued: number; sent: number } {
    this.directory.require(thingId);
    return this.queue.activeByState(thingId);
  }

  cancelAction(id: string): ActionView {
    return this.queue.cancel(id);
  }

  waitForAction(id: string, timeoutMs: number): Promise<ActionView> {
    return this.queue.waitFor(id, timeoutMs);
  }

  /** History of a live thing, or of a removed one whose rows are kept. */
  history(q: HistoryQuery): HistoryRow[] {
    const rows = this.historyStore.query(q);
    if (rows.length === 0) this.directory.require(q.thingId);
    return rows;
  }

  subscribe(handler: (msg: BusMessage) => void | Promise<void>, opts?: SubscribeOptions): Subscription {
    return this.bus.subscribe(handler, opts);
  }

  counters(): HubCounters {
    return {
      ...this.stats,
      busDropped: this.bus.dropped,
      historyRowsWritten: this.historyStore.rowsWritten,
      historyRowsDropped: this.historyStore.rowsDropped,
    };
  }

  valueCounters(): HubValueCounters {
    const r = this.liveReads.counters;
    return { deviceValuesDropped: this.valueGuard.dropped, liveReads: r.reads, liveReadTimeouts: r.timeouts, liveReadFailures: r.failures };
  }

  gauges(): HubGauges {
    const census = this.directory.census();
    return { things: census.things, thingsOnline: census.online, actionsActive: this.queue.activeCount, busSubscribers: this.bus.subscriberCount };
  }

  async prepareBackup(): Promise<string[]> {
    const failed: string[] = [];
    for (const [name, b] of this.bindings) {
      if (!b.beforeBackup) continue;
      // A binding that cannot is logged and named: the archive is still made from what is on disk.
      await b.beforeBackup().catch((err: unknown) => {
        failed.push(name);
        this.logger.warn({ err, binding: name }, 'binding could not prepare the backup');
      });
    }
    return failed;
  }

  bindingStatuses(): Record<string, BindingStatus> {
    const out: Record<string, BindingStatus> = Object.fromEntries(this.statusOverride);
    for (const [name, b] of this.bindings) {
      try {
        out[name] = b.status();
      } catch (err) {
        out[name] = { state: 'error', detail: (err as Error).message, counters: {} };
      }
    }
    return out;
  }

  binding(name: string): Binding | undefined {
    return this.bindings.get(name);
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.queue.close();
    this.historyStore.close();
  }
}
