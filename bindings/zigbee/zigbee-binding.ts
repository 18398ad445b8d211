/**
 * The Zigbee binding: a coordinator stick driven through ZigbeeStack (herdsman behind a
 * narrow interface). Joined devices get a provisional thing; a successful interview
 * identifies the model, builds the native TD from its exposes and runs configure() with
 * retries; leave tombstones the thing. Sleepy end devices are served by the hub's action
 * queue: every frame heard from one opens an awake window (ctx.awake), and the queued
 * writes and actions go out then. Onboarding: a device that joins asks for admission; until it
 * is approved it has no thing and its frames are dropped (counted); a rejected or revoked one is
 * asked to leave the network (docs/bindings/zigbee.md "Onboarding").
 */
import { join } from 'node:path';
import type { Admission, Binding, BindingContext, BindingState, BindingStatus, DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { sweepAvailability } from './availability.js';
import { CoordinatorThing } from './coordinator-thing.js';
import { deliverToDevice, deviceIdOf, ieeeOf, readFromDevice, type DeviceEntry } from './device-requests.js';
import { deviceTd, provisionalTd } from './exposes-td.js';
import { loadOrCreateNetwork } from './network-settings.js';
import { ReadWaiters } from './read-waiters.js';
import type { ZigbeeOptions } from './zigbee-options.js';
import { createHerdsmanStack, type ZigbeeNetworkSettings, type ZigbeeStack, type ZigbeeStackFactory } from './zigbee-stack.js';

const COUNTERS = ['framesConverted', 'valuesUnmapped', 'joins', 'interviewsSucceeded', 'interviewsFailed', 'configured', 'configureFailures',
  'leaves', 'deliveries', 'deliveryRetries', 'deliveryFailures', 'reconnects', 'pings', 'pingFailures',
  // Onboarding: joins of devices not approved, their frames dropped, refused devices asked to leave (or not able to).
  'joinsUnadmitted', 'framesUnadmitted', 'removals', 'removalFailures',
  // Guarded stack faults (herdsman-guards.ts): herdsman handlers that threw, Basic cluster strings of another type.
  'stackHandlerFailures', 'invalidBasicAttributes',
  // Bytes from the stick dropped by the framer in front of herdsman's parser, and bad checksums among them.
  'stickBytesDropped', 'stickBadFcs'] as const;
type Counter = (typeof COUNTERS)[number];

export class ZigbeeBinding implements Binding {
  readonly name = 'zigbee';
  private ctx: BindingContext | null = null;
  private stack: ZigbeeStack | null = null;
  private state: BindingState = 'stopped';
  private detail: string | undefined;
  private network: ZigbeeNetworkSettings | null = null;
  private coordinator: CoordinatorThing | null = null;
  private readonly devices = new Map<string, DeviceEntry>();
  private readonly counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
  private readonly reads = new ReadWaiters();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private availabilityTimer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(private readonly opts: ZigbeeOptions, private readonly factory: ZigbeeStackFactory = createHerdsmanStack) {}

  async start(ctx: BindingContext): Promise<void> {
    if (this.ctx !== ctx) ctx.onAdmissionChange((deviceId, a) => this.admissionChanged(deviceId, a));
    this.ctx = ctx;
    this.stopping = false;
    this.state = 'starting';
    const { settings, created } = loadOrCreateNetwork(join(ctx.dataDir, 'zigbee'), { ...(this.opts.channel ? { channel: this.opts.channel } : {}), ...(this.opts.panId ? { panId: this.opts.panId } : {}) });
    this.network = settings;
    if (created) ctx.logger.info({ panId: settings.panId, channel: settings.channel }, 'zigbee: generated new network settings');
    this.coordinator = new CoordinatorThing(ctx, settings);
    await this.connect();
    this.availabilityTimer = setInterval(() => void this.checkAvailability(), this.opts.availabilityCheckIntervalMs);
    this.availabilityTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.availabilityTimer) clearInterval(this.availabilityTimer);
    this.reconnectTimer = null;
    this.availabilityTimer = null;
    const stack = this.stack;
    this.stack = null;
    if (stack) {
      stack.removeAllListeners();
      await stack.stop().catch((err: unknown) => this.ctx?.logger.warn({ err }, 'zigbee: stop failed'));
    }
    this.reads.endAll();
    this.state = 'stopped';
  }

  /** herdsman writes its coordinator backup only at stop and daily: a backup archive taken now must hold today's children. */
  async beforeBackup(): Promise<void> {
    await this.stack?.backup();
  }

  status(): BindingStatus {
    return {
      state: this.state,
      ...(this.detail ? { detail: this.detail } : {}),
      counters: { ...this.counters },
      gauges: { devices: this.devices.size, devicesOnline: [...this.devices.values()].filter((d) => d.online).length, permitJoin: this.coordinator?.joinOpen ? 1 : 0 },
    };
  }

  /** Opens the coordinator; absent hardware is reported and retried, never thrown. */
  private async connect(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx || !this.network || this.stopping) return;
    const stack = await this.factory({
      port: this.opts.port, adapter: this.opts.adapter, baudRate: this.opts.baudRate, rtscts: this.opts.rtscts,
      disableLed: this.opts.disableLed, network: this.network, dir: join(ctx.dataDir, 'zigbee'), logger: ctx.logger,
    });
    this.wire(stack);
    try {
      const result = await stack.start();
      if (this.stopping) {
        await stack.stop().catch(() => undefined);
        return;
      }
      this.stack = stack;
      this.state = 'running';
      this.detail = undefined;
      ctx.logger.info({ result, port: this.opts.port }, 'zigbee: coordinator started');
      this.coordinator?.running(stack);
      for (const d of stack.devices()) {
        if (!(await this.admitted(d.ieee))) continue;
        if (d.interviewed) await this.identifySafely(d.ieee, false);
        else this.registerProvisional(d.ieee, 'unidentified');
      }
    } catch (err) {
      stack.removeAllListeners();
      await stack.stop().catch(() => undefined);
      this.state = 'absent';
      this.detail = `coordinator ${this.opts.port} not available: ${(err as Error).message}`;
      ctx.logger.warn({ port: this.opts.port, err: (err as Error).message }, 'zigbee: coordinator not available; retrying');
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.counters.reconnects++;
      this.connect().catch((err: unknown) => {
        this.ctx?.logger.error({ err }, 'zigbee: reconnect failed');
        this.scheduleReconnect();
      });
    }, this.opts.reconnectDelayMs);
  }

  private safely(what: string, fn: () => Promise<void> | void): void {
    Promise.resolve().then(fn).catch((err: unknown) => this.ctx?.logger.warn({ err }, `zigbee: ${what} failed`));
  }

  private wire(stack: ZigbeeStack): void {
    const safe = (what: string, fn: () => Promise<void> | void) => this.safely(what, fn);
    stack.on('deviceJoined', (ieee) => safe('join', async () => {
      this.counters.joins++;
      if (!(await this.admitted(ieee))) return;
      if (!this.devices.get(ieee)?.routes) this.registerProvisional(ieee, 'interviewing');
    }));
    stack.on('interview', (ieee, status) => safe('interview', async () => {
      if (status === 'started') return;
      // The interview tells the model: a pending device's claims are updated with it.
      if (!(await this.admitted(ieee))) return;
      if (status === 'failed') {
        this.counters.interviewsFailed++;
        this.registerProvisional(ieee, 'unidentified');
        return;
      }
      this.counters.interviewsSucceeded++;
      await this.identifySafely(ieee, true);
    }));
    stack.on('deviceLeave', (ieee) => safe('leave', () => this.onLeave(ieee)));
    stack.on('state', (ieee, values) => safe('state', () => this.onState(ieee, values)));
    stack.on('heard', (ieee) => safe('heard', () => this.onHeard(ieee)));
    stack.on('permitJoin', (permitted) => safe('permitJoin', () => this.coordinator?.permitJoin(permitted)));
    stack.on('linkDropped', (bytes, badFcs) => {
      this.counters.stickBytesDropped += bytes;
      this.counters.stickBadFcs += badFcs;
    });
    stack.on('fault', (f) => {
      this.counters[f.kind === 'handlerFailed' ? 'stackHandlerFailures' : 'invalidBasicAttributes']++;
      this.ctx?.logger.warn({ ieee: f.ieee, fault: f.kind, err: f.message }, f.kind === 'handlerFailed'
        ? 'zigbee: herdsman failed on a frame or join; it is dropped' : 'zigbee: a Basic cluster string attribute of another data type is forgotten');
    });
    stack.on('disconnected', () => safe('disconnect', async () => {
      if (this.stack !== stack) return;
      this.stack = null;
      this.state = 'error';
      this.detail = 'coordinator disconnected; reconnecting';
      this.ctx?.logger.warn('zigbee: coordinator disconnected');
      this.coordinator?.running(null);
      stack.removeAllListeners();
      await stack.stop().catch(() => undefined);
      this.scheduleReconnect();
    }));
  }

  /**
   * Onboarding: whether the device is approved. One never seen (or pending) asks for admission
   * with what the stack knows of it; a rejected or revoked one is asked to leave the network.
   */
  private async admitted(ieee: string): Promise<boolean> {
    const ctx = this.ctx;
    if (!ctx) return false;
    const deviceId = deviceIdOf(ieee);
    let a = ctx.admission(deviceId);
    if (a.state === 'unknown' || a.state === 'pending') {
      const info = this.stack?.device(ieee);
      const claims = { ieee, model: info?.modelId ?? null, manufacturer: info?.manufacturer ?? null, type: info?.type ?? null };
      a = ctx.requestAdmission({ deviceId, seenAs: `zigbee join via ${this.opts.port}`, claims });
    }
    if (a.state === 'approved') return true;
    this.counters.joinsUnadmitted++;
    if (a.state === 'rejected' || a.state === 'revoked') await this.removeFromNetwork(ieee);
    return false;
  }

  /**
   * An admin decided: an approved device is identified now; a refused one is cut off at once
   * (its frames dropped from now on, its thing offline), then asked to leave.
   */
  private admissionChanged(deviceId: string, a: Admission): void {
    const ieee = ieeeOf(deviceId);
    const info = this.stack?.device(ieee);
    if (a.state === 'approved') {
      if (info?.interviewed) this.safely('identify', () => this.identifySafely(ieee, true));
      else if (info) this.registerProvisional(ieee, 'interviewing');
      return;
    }
    if (a.state !== 'rejected' && a.state !== 'revoked') return;
    const d = this.devices.get(ieee);
    this.devices.delete(ieee);
    if (d && this.ctx?.hasThing(d.thingId)) this.ctx.setOnline(d.thingId, false);
    if (info) this.safely('remove', () => this.removeFromNetwork(ieee));
  }

  /** herdsman's removeFromNetwork (ZDO Mgmt_Leave); a device that does not answer is ignored from then on. */
  private async removeFromNetwork(ieee: string): Promise<void> {
    const stack = this.stack;
    if (!stack?.device(ieee)) return;
    try {
      await stack.remove(ieee);
      this.counters.removals++;
    } catch (err) {
      this.counters.removalFailures++;
      this.ctx?.logger.warn({ ieee, err: (err as Error).message }, 'zigbee: a refused device could not be removed from the network; it is ignored');
    }
  }

  private registerProvisional(ieee: string, state: 'interviewing' | 'unidentified'): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const thingId = ctx.registerThing({ deviceId: deviceIdOf(ieee), nativeTd: provisionalTd(ieee, state), sleepy: false });
    const prev = this.devices.get(ieee);
    this.devices.set(ieee, { ieee, thingId, sleepy: false, mainsPowered: false, routes: null, lastHeardMs: ctx.now(), online: true, values: prev?.values ?? {} });
  }

  /** A model the binding cannot describe stays a provisional thing; the others are not held up. */
  private async identifySafely(ieee: string, fresh: boolean): Promise<void> {
    try {
      await this.identify(ieee, fresh);
    } catch (err) {
      this.ctx?.logger.warn({ ieee, err: (err as Error).message }, 'zigbee: device could not be identified');
      this.registerProvisional(ieee, 'unidentified');
    }
  }

  /** Builds the native TD from the model's exposes; runs configure() after a fresh interview. */
  private async identify(ieee: string, fresh: boolean): Promise<void> {
    const ctx = this.ctx;
    const stack = this.stack;
    if (!ctx || !stack) return;
    const info = stack.device(ieee);
    const model = await stack.describe(ieee);
    // Refused while its model was looked up: it stays cut off.
    if (ctx.admission(deviceIdOf(ieee)).state !== 'approved') return;
    if (!info || !model) {
      this.registerProvisional(ieee, 'unidentified');
      return;
    }
    const routes = deviceTd({ ieee, vendor: model.vendor, model: model.model, description: model.description, exposes: model.exposes });
    const sleepy = info.type === 'EndDevice' && !info.mainsPowered;
    const thingId = ctx.registerThing({ deviceId: deviceIdOf(ieee), nativeTd: routes.td, sleepy });
    const prev = this.devices.get(ieee);
    this.devices.set(ieee, { ieee, thingId, sleepy, mainsPowered: info.mainsPowered, routes, lastHeardMs: info.lastSeen ?? ctx.now(), online: true, values: prev?.values ?? {} });
    ctx.logger.info({ ieee, model: `${model.vendor} ${model.model}`, sleepy, generated: model.generated }, 'zigbee: device identified');
    // Not awaited: a sleepy device may need its retries, and a restart must not wait for each.
    if (fresh || !model.generated) {
      this.configureWithRetries(ieee).catch((err: unknown) => ctx.logger.warn({ err, ieee }, 'zigbee: configure failed'));
    }
  }

  private async configureWithRetries(ieee: string): Promise<void> {
    for (let attempt = 1; attempt <= this.opts.configureAttempts; attempt++) {
      const stack = this.stack;
      if (!stack || this.stopping) return;
      try {
        if ((await stack.configure(ieee)) === 'configured') this.counters.configured++;
        return;
      } catch (err) {
        this.counters.configureFailures++;
        this.ctx?.logger.warn({ ieee, attempt, err: (err as Error).message }, 'zigbee: configure failed');
        if (attempt < this.opts.configureAttempts) await new Promise((r) => setTimeout(r, this.opts.configureRetryDelayMs));
      }
    }
  }

  private onLeave(ieee: string): void {
    this.counters.leaves++;
    const d = this.devices.get(ieee);
    this.devices.delete(ieee);
    if (d && this.ctx?.hasThing(d.thingId)) this.ctx.removeThing(d.thingId);
  }

  private onState(ieee: string, values: Record<string, unknown>): void {
    const ctx = this.ctx;
    const d = this.devices.get(ieee);
    if (!ctx) return;
    if (!d) {
      // A device not approved (or not known yet): nothing it says reaches the hub.
      this.counters.framesUnadmitted++;
      return;
    }
    this.counters.framesConverted++;
    Object.assign(d.values, values);
    const props: Record<string, unknown> = {};
    const known = d.routes?.properties ?? { linkquality: { property: 'linkquality', gettable: false } };
    for (const [k, v] of Object.entries(values)) {
      if (k === 'action' && d.routes?.td['events']) {
        if (v !== undefined && v !== null && v !== '') ctx.emitEvent(d.thingId, 'action', v);
      } else if (known[k] && v !== undefined) props[k] = v;
      else this.counters.valuesUnmapped++;
    }
    if (Object.keys(props).length > 0) ctx.reportProperties(d.thingId, props);
    this.reads.reported(ieee, values);
  }

  private onHeard(ieee: string): void {
    const ctx = this.ctx;
    const d = this.devices.get(ieee);
    if (!ctx || !d) return;
    d.lastHeardMs = ctx.now();
    if (!d.online) {
      d.online = true;
      ctx.setOnline(d.thingId, true);
    }
    // Any uplink of a sleepy device opens its awake window: the hub hands over queued items now.
    if (d.sleepy && d.routes) ctx.awake(d.thingId, this.opts.awakeWindowMs);
  }

  async deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    this.counters.deliveries++;
    if (this.coordinator && item.thingId === this.coordinator.id) return this.coordinator.deliver(item, this.stack);
    return deliverToDevice(this.devices.get(ieeeOf(item.deviceId)), item, this.stack, this.counters);
  }

  /** Live read of an always-on device (the converters' get); a sleepy one answers from what it last said. */
  async readProperty(thingId: string, name: string): Promise<unknown> {
    if (this.coordinator && thingId === this.coordinator.id) return this.coordinator.read(name, this.stack);
    const d = this.devices.get(ieeeOf(thingId.slice(thingId.lastIndexOf(':') + 1)));
    return readFromDevice(d, thingId, name, { stack: this.stack, reads: this.reads, readTimeoutMs: this.opts.readTimeoutMs });
  }

  private checking = false;

  private async checkAvailability(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx || !this.stack || this.checking) return;
    this.checking = true;
    try {
      await sweepAvailability([...this.devices.values()].filter((e) => e.routes), {
        now: ctx.now,
        ping: async (ieee) => {
          await this.stack?.ping(ieee);
        },
        setOnline: (d, online) => {
          if (!ctx.hasThing(d.thingId)) return;
          d.online = online;
          ctx.setOnline(d.thingId, online);
        },
        counters: this.counters,
      }, { mainsTimeoutMs: this.opts.mainsAvailabilityTimeoutMs, batteryTimeoutMs: this.opts.batteryAvailabilityTimeoutMs });
    } finally {
      this.checking = false;
    }
  }
}
