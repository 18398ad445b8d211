/**
 * The BLE binding: one central (noble, or a simulated one), passive BTHome sensors and
 * configured GATT devices. Absent hardware is a state (`absent`), not an error; adapter resets
 * and scan silences are survived by restarting the scan and reconnecting.
 */
import type { Binding, BindingContext, BindingStatus, DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { parseBindKey } from '../../protocols/bthome/bthome-crypto.js';
import { BTHOME_UUID16 } from '../../protocols/bthome/bthome-objects.js';
import { BindingUnavailableError, DeviceNotFoundError } from '../../protocols/errors.js';
import type { BleOptions } from './ble-options.js';
import { BthomeReceiver } from './bthome-receiver.js';
import { REAL_TIMERS, type AdapterState, type Advertisement, type BleCentral, type Timers } from './central.js';
import { ConnectionLimiter } from './connection-limiter.js';
import { GATT_COUNTERS, GattDevice, type GattCounter } from './gatt-device.js';

/** Builds the central; the default loads noble lazily (noble-central.ts). */
export type CentralFactory = (options: BleOptions) => Promise<BleCentral>;

export interface BleBindingDeps {
  centralFactory?: CentralFactory;
  timers?: Timers;
}

const BTHOME_UUID = BTHOME_UUID16.toString(16);

const defaultFactory: CentralFactory = async (options) => (await import('./noble-central.js')).createNobleCentral(options.adapter);

export class BleBinding implements Binding {
  readonly name = 'ble';
  private ctx: BindingContext | null = null;
  private central: BleCentral | null = null;
  private bthome: BthomeReceiver | null = null;
  private readonly gatt = new Map<string, GattDevice>();
  private readonly gattCounters = Object.fromEntries(GATT_COUNTERS.map((c) => [c, 0])) as Record<GattCounter, number>;
  private readonly counters = { advertisements: 0, scanRestarts: 0, adapterResets: 0, sensorsOffline: 0 };
  private readonly timers: Timers;
  private readonly limiter: ConnectionLimiter;
  private adapterState: AdapterState | 'none' = 'none';
  private detail: string | undefined;
  private lastAdvAt = 0;
  private watchdog: unknown = null;
  private stopped = false;

  constructor(private readonly options: BleOptions, private readonly deps: BleBindingDeps = {}) {
    this.timers = deps.timers ?? REAL_TIMERS;
    this.limiter = new ConnectionLimiter(options.maxConnections);
  }

  async start(ctx: BindingContext): Promise<void> {
    this.ctx = ctx;
    this.stopped = false;
    const keys = new Map<string, Uint8Array>();
    for (const [mac, hex] of Object.entries(this.options.bindKeys)) keys.set(mac.toLowerCase(), parseBindKey(hex));
    this.bthome = new BthomeReceiver(ctx, { keys, packetIdWindowMs: this.options.packetIdWindowMs, maxDevices: this.options.maxDevices });
    ctx.onAdmissionChange((deviceId, a) => {
      this.bthome?.admissionChanged(deviceId, a);
      if (a.state === 'rejected' || a.state === 'revoked') this.cutOffGatt(deviceId);
    });
    try {
      this.central = await (this.deps.centralFactory ?? defaultFactory)(this.options);
    } catch (err) {
      this.detail = `no BLE stack: ${(err as Error).message}`;
      ctx.logger.warn({ err: (err as Error).message }, 'BLE stack could not be loaded; binding absent');
      return;
    }
    const o = this.options;
    const timings = { connectTimeoutMs: o.connectTimeoutMs, gattTimeoutMs: o.gattTimeoutMs, reconnectMinMs: o.reconnectMinMs, reconnectMaxMs: o.reconnectMaxMs, awakeWindowMs: o.awakeWindowMs };
    for (const d of o.gattDevices) {
      const address = d.address.toLowerCase();
      const config = { address, sleepy: d.sleepy ?? false, sigServices: d.sigServices ?? true, mappings: d.mappings ?? [], readIntervalMs: d.readIntervalMs ?? o.readIntervalMs, ...(d.name ? { name: d.name } : {}) };
      this.gatt.set(address, new GattDevice(config, { ctx, central: this.central, limiter: this.limiter, timers: this.timers, timings, counters: this.gattCounters }));
    }
    this.central.on('state', this.onState);
    this.central.on('advertisement', this.onAdvertisement);
    this.lastAdvAt = ctx.now();
    this.armWatchdog();
    if (this.central.state === 'poweredOn') await this.onPoweredOn();
    else this.adapterState = this.central.state;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.watchdog !== null) this.timers.clearTimeout(this.watchdog);
    this.watchdog = null;
    await Promise.all([...this.gatt.values()].map((d) => d.stop()));
    this.gatt.clear();
    const c = this.central;
    this.central = null;
    if (c) {
      c.off('state', this.onState);
      c.off('advertisement', this.onAdvertisement);
      await c.close().catch(() => undefined);
    }
    this.ctx = null;
  }

  status(): BindingStatus {
    const up = this.adapterState === 'poweredOn';
    const state = this.stopped ? 'stopped' : up ? 'running' : this.ctx ? 'absent' : 'starting';
    const detail = up ? undefined : (this.detail ?? `adapter ${this.adapterState}`);
    return {
      state,
      ...(detail ? { detail } : {}),
      counters: { ...this.counters, ...this.gattCounters, ...(this.bthome?.counters ?? {}) },
      gauges: {
        connections: this.limiter.inUse,
        bthomeDevices: this.bthome?.deviceCount ?? 0,
        gattDevicesConnected: [...this.gatt.values()].filter((d) => d.connected).length,
      },
    };
  }

  deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    const dev = this.deviceFor(item.thingId);
    if (!dev) return Promise.resolve({ state: 'failed', error: `${item.thingId} takes no writes (passive sensor)`, code: 'ROOST_ERR_METHOD_NOT_ALLOWED' });
    return dev.deliver(item);
  }

  async readProperty(thingId: string, name: string): Promise<unknown> {
    const dev = this.deviceFor(thingId);
    if (!dev) throw new DeviceNotFoundError(`${thingId} is not a connected GATT device`, { thingId });
    if (!dev.connected) throw new BindingUnavailableError(`${thingId} is not connected`, { thingId });
    return dev.read(name);
  }

  /** The GATT device models of this binding, by lower-case MAC (tests and scenarios). */
  gattDevice(address: string): GattDevice | undefined {
    return this.gatt.get(address.toLowerCase());
  }

  private deviceFor(thingId: string): GattDevice | undefined {
    for (const d of this.gatt.values()) if (d.thingId === thingId) return d;
    return undefined;
  }

  private readonly onState = (state: AdapterState): void => {
    const was = this.adapterState;
    this.adapterState = state;
    this.ctx?.logger.info({ state }, 'BLE adapter state');
    if (state === 'poweredOn' && was !== 'poweredOn') {
      if (was === 'resetting' || was === 'poweredOff') this.counters.adapterResets++;
      void this.onPoweredOn();
    }
  };

  private async onPoweredOn(): Promise<void> {
    this.adapterState = 'poweredOn';
    this.detail = undefined;
    try {
      await this.central?.startScanning();
    } catch (err) {
      this.ctx?.logger.warn({ err: (err as Error).message }, 'BLE scan did not start');
    }
    this.lastAdvAt = this.ctx?.now() ?? 0;
    for (const d of this.gatt.values()) d.adapterUp();
  }

  private readonly onAdvertisement = (adv: Advertisement): void => {
    const ctx = this.ctx;
    if (!ctx) return;
    this.counters.advertisements++;
    this.lastAdvAt = ctx.now();
    for (const sd of adv.serviceData) if (sd.uuid === BTHOME_UUID) this.bthome?.handle(adv, sd.data);
    const dev = this.gatt.get(adv.address);
    if (dev && this.gattAdmitted(dev, adv)) dev.onAdvertisement(adv);
  };

  /**
   * Onboarding: a configured GATT device is connected only once approved; at its first
   * advertisement it asks for admission (docs/bindings/ble.md "Onboarding").
   */
  private gattAdmitted(dev: GattDevice, adv: Advertisement): boolean {
    const ctx = this.ctx!;
    let a = ctx.admission(dev.deviceId);
    if (a.state === 'unknown') {
      a = ctx.requestAdmission({ deviceId: dev.deviceId, seenAs: `ble advertisement from ${adv.address}`, claims: { format: 'gatt', model: adv.localName ?? null, name: dev.config.name ?? null } });
    }
    if (a.state === 'approved') return true;
    this.gattCounters.gattUnadmitted++;
    return false;
  }

  private cutOffGatt(deviceId: string): void {
    for (const d of this.gatt.values()) {
      if (d.deviceId !== deviceId) continue;
      d.cutOff();
      if (this.ctx?.hasThing(d.thingId)) this.ctx.setOnline(d.thingId, false);
    }
  }

  private armWatchdog(): void {
    this.watchdog = this.timers.setTimeout(() => {
      this.watchdog = null;
      if (this.stopped) return;
      void this.tick().finally(() => {
        if (!this.stopped) this.armWatchdog();
      });
    }, this.options.watchdogIntervalMs);
  }

  /** Restarts a silent scan (controllers stop reporting after some errors) and marks silent sensors offline. */
  private async tick(): Promise<void> {
    const ctx = this.ctx;
    const central = this.central;
    if (!ctx || !central) return;
    this.counters.sensorsOffline += this.bthome?.sweep(this.options.offlineAfterMs) ?? 0;
    if (this.adapterState !== 'poweredOn' || ctx.now() - this.lastAdvAt < this.options.scanRestartAfterSilenceMs) return;
    this.counters.scanRestarts++;
    this.lastAdvAt = ctx.now();
    try {
      await central.stopScanning();
      await central.startScanning();
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message }, 'BLE scan restart failed');
    }
  }
}
