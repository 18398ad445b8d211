/**
 * Fleet adapter for firmware-sim/ble's reference environmental sensor (GATT 0x181A temperature,
 * humidity, pressure; 0x180F battery; 0x180A device information). A sleepy one (the default) at
 * each wake takes its readings and sends a connectable advertisement; the gateway's binding
 * connects, reads and disconnects, and the wake waits for that session (one at a time on the
 * air). An always-on one (`sleepy: false`) is connected from its first advertisement and
 * notifies its readings. `readIntervalS` is the gateway's read interval for it (default 0: a
 * session at every advertisement, so the counts do not depend on the gateway's clock).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeviceTimeoutError } from '../../../protocols/errors.js';
import { encodeGattValue, type GattMapping } from '../../../protocols/gatt/gatt-mapping.js';
import { SIG_MAPPINGS } from '../../../protocols/gatt/gatt-sig.js';
import { environmentalSensor, type GattPeripheral } from '../../ble/gatt-peripheral.js';
import type { DeviceContext, DeviceKind, FleetDevice, GatewayNeeds, RadioCounters, WakeResult } from '../device-model.js';
import { BLE_ENERGY, bleAir, bleThingId, macOf, type BleAir } from './ble-air.js';

const READINGS = ['temperature', 'humidity', 'pressure', 'battery'] as const;
const MAPPINGS = new Map<string, GattMapping>(SIG_MAPPINGS.filter((m) => (READINGS as readonly string[]).includes(m.name)).map((m) => [m.name, m]));

interface GattOptions {
  sleepy: boolean;
  readIntervalS: number;
  /** Wall-clock ms a sleepy device listens for the gateway's connect after advertising. */
  listenMs: number;
  /** Wall-clock bound of one session (or of an always-on device's first connection). */
  sessionTimeoutMs: number;
}

function options(o: Record<string, unknown>): GattOptions {
  const num = (k: string, d: number): number => (typeof o[k] === 'number' ? (o[k] as number) : d);
  return { sleepy: o['sleepy'] !== false, readIntervalS: num('readIntervalS', 0), listenMs: num('listenMs', 500), sessionTimeoutMs: num('sessionTimeoutMs', 10_000) };
}

function quantize(m: GattMapping, value: number): number {
  const scale = m.scale ?? 1;
  const digits = Math.max(0, Math.ceil(-Math.log10(scale)));
  return Number((Math.round(value / scale) * scale).toFixed(digits));
}

/** A connectable advertisement carries the flags AD (3) and the complete local name AD. */
const advBytes = (name: string): number => 3 + 2 + Buffer.byteLength(name);

class GattFleetDevice implements FleetDevice {
  readonly deviceId: string;
  readonly thingId: string;
  readonly sleepy: boolean;
  private readonly mac: string;
  private readonly air: BleAir;
  private readonly peripheral: GattPeripheral;
  private readonly name: string;
  private pdus = 0;
  private bytes = 0;
  /** Radio figures kept when the device leaves the air. */
  private final: RadioCounters | null = null;

  constructor(private readonly ctx: DeviceContext, private readonly opts: GattOptions) {
    this.deviceId = ctx.deviceId;
    this.sleepy = opts.sleepy;
    this.mac = macOf('d4:00:00', ctx.index);
    this.thingId = bleThingId(this.mac);
    this.air = bleAir(ctx);
    this.name = `fleet ${ctx.deviceId}`;
    this.peripheral = environmentalSensor({ address: this.mac, localName: this.name, sleepy: opts.sleepy });
  }

  prepare(): Promise<GatewayNeeds> {
    const device = { address: this.mac, sleepy: this.opts.sleepy, readIntervalMs: Math.round(this.opts.readIntervalS * 1000) };
    return Promise.resolve({ serialPorts: [], ble: { central: this.air.central, bindKeys: {}, gattDevices: [device], bthomeSensors: 0 } });
  }

  async start(): Promise<void> {
    this.air.central.add(this.peripheral, { scheduled: false });
    await this.air.at(this.ctx.simNow());
    if (this.sleepy) {
      await this.air.exclusive(() => this.session());
      return;
    }
    this.advertise();
    const t = MAPPINGS.get('temperature')!;
    for (const end = Date.now() + this.opts.sessionTimeoutMs; this.peripheral.subscriberCount(t.service, t.characteristic) === 0; await sleep(2)) {
      if (Date.now() > end) throw new DeviceTimeoutError(`${this.deviceId}: the gateway did not connect and subscribe within ${this.opts.sessionTimeoutMs} ms`);
    }
  }

  private advertise(): void {
    this.pdus += 3;
    this.bytes += 3 * advBytes(this.name);
    this.air.central.advertise(this.mac);
  }

  /** Advertises, then waits for the gateway's session to start (within listenMs) and end; true if it read. */
  private async session(): Promise<boolean> {
    const p = this.peripheral;
    const reads = p.reads;
    const connections = p.connections;
    this.advertise();
    for (const end = Date.now() + this.opts.listenMs; p.connections === connections && Date.now() < end;) await sleep(1);
    for (const end = Date.now() + this.opts.sessionTimeoutMs; p.openLinks > 0 && Date.now() < end;) await sleep(1);
    return p.reads > reads;
  }

  async wake(readings: Record<string, number>): Promise<WakeResult> {
    await this.air.at(this.ctx.simNow());
    const sent: Record<string, number> = {};
    let notified = true;
    for (const [name, value] of Object.entries(readings)) {
      const m = MAPPINGS.get(name);
      if (!m) continue;
      sent[name] = quantize(m, value);
      if (this.peripheral.setValue(m.service, m.characteristic, encodeGattValue(m, sent[name])) === 0) notified = false;
    }
    if (!this.sleepy) return { acknowledged: notified, sent };
    return { acknowledged: await this.air.exclusive(() => this.session()), sent };
  }

  reboot(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.final ??= this.radioCounters();
    this.air.central.remove(this.mac);
    return Promise.resolve();
  }

  traffic(): { datagramsUp: number; bytesUp: number; datagramsDown: number; bytesDown: number; connectedMs: number } {
    return { datagramsUp: this.pdus, bytesUp: this.bytes, datagramsDown: 0, bytesDown: 0, connectedMs: this.radioCounters().connectedMs };
  }

  radioCounters(): RadioCounters {
    if (this.final) return this.final;
    const e = this.air.central.energyOf(this.mac);
    return { advertisingEvents: this.peripheral.advertisingEvents, connections: this.peripheral.connections, connectedMs: e?.connectedMs ?? 0 };
  }
}

export const bleGattSensor: DeviceKind = {
  binding: 'ble',
  sleepy: true,
  power: 'battery',
  readings: READINGS,
  actions: [],
  // A connectable advertisement listens briefly after each of its three PDUs.
  energy: { ...BLE_ENERGY, rxWindowMs: 0.5 },
  create: (ctx) => new GattFleetDevice(ctx, options(ctx.options)),
};
