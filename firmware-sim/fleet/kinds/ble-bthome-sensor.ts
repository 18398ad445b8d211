/**
 * Fleet adapter for firmware-sim/ble's BthomeSensor: at each wake one advertising event, sent on
 * the three advertising channels (the scanner hears each: duplicates the binding must drop),
 * each copy through the device's faulty link. Options: `encrypted` (a bind key, AES-CCM frames),
 * `wrongKey` (the gateway is given another key than the device's: it must refuse every frame),
 * `outOfRange` (nothing it sends is heard), `repeats` (copies heard per event, default 3).
 * Packet id and encryption counter survive a reboot, as firmware keeps them in flash.
 */
import { createHash } from 'node:crypto';
import { BthomeSensor } from '../../ble/bthome-sensor.js';
import type { DeviceContext, DeviceKind, FleetDevice, GatewayNeeds, RadioCounters, WakeResult } from '../device-model.js';
import { BLE_ENERGY, bleAir, bleThingId, macOf, type BleAir } from './ble-air.js';

/** Reading name -> BTHome object id and its resolution (protocols/bthome/bthome-objects.ts). */
const OBJECTS: Readonly<Record<string, { id: number; factor: number }>> = {
  battery: { id: 0x01, factor: 1 },
  temperature: { id: 0x02, factor: 0.01 },
  humidity: { id: 0x03, factor: 0.01 },
  pressure: { id: 0x04, factor: 0.01 },
};

/** A value as the sensor's encoding carries it (what the gateway can decode). */
function quantize(value: number, factor: number): number {
  const digits = Math.max(0, Math.ceil(-Math.log10(factor)));
  return Number((Math.round(value / factor) * factor).toFixed(digits));
}

/** A seeded bind key: 32 hex characters from the device id and a salt. */
function keyOf(deviceId: string, salt: string): string {
  return createHash('sha256').update(`${salt}:${deviceId}`).digest('hex').slice(0, 32);
}

/** Service data AD structure around the frame: length, type 0x16, UUID 0xFCD2; plus the flags AD (3). */
const AD_BYTES = 4 + 3;

interface BthomeOptions {
  encrypted: boolean;
  wrongKey: boolean;
  outOfRange: boolean;
  repeats: number;
}

function options(o: Record<string, unknown>): BthomeOptions {
  const wrongKey = o['wrongKey'] === true;
  return {
    encrypted: o['encrypted'] === true || wrongKey,
    wrongKey,
    outOfRange: o['outOfRange'] === true,
    repeats: typeof o['repeats'] === 'number' ? Math.max(1, Math.floor(o['repeats'])) : 3,
  };
}

class BthomeFleetDevice implements FleetDevice {
  readonly sleepy = true;
  readonly deviceId: string;
  readonly thingId: string;
  readonly rejected: boolean;
  private readonly mac: string;
  private readonly air: BleAir;
  private readonly sensor: BthomeSensor;
  private readonly key: string | undefined;
  private pdus = 0;
  private bytes = 0;

  constructor(private readonly ctx: DeviceContext, private readonly opts: BthomeOptions) {
    this.deviceId = ctx.deviceId;
    this.mac = macOf('a4:c1:38', ctx.index);
    this.thingId = bleThingId(this.mac);
    this.rejected = opts.wrongKey;
    this.air = bleAir(ctx);
    this.key = opts.encrypted ? keyOf(ctx.deviceId, 'device') : undefined;
    this.sensor = new BthomeSensor({ address: this.mac, localName: `fleet ${ctx.deviceId}`, repeats: opts.repeats, ...(this.key ? { bindKey: this.key } : {}) });
  }

  prepare(): Promise<GatewayNeeds> {
    const bindKeys: Record<string, string> = {};
    if (this.key) bindKeys[this.mac] = this.opts.wrongKey ? keyOf(this.deviceId, 'gateway') : this.key;
    return Promise.resolve({ serialPorts: [], ble: { central: this.air.central, bindKeys, gattDevices: [], bthomeSensors: 1 } });
  }

  start(): Promise<void> {
    this.air.central.add(this.sensor, { scheduled: false });
    return Promise.resolve();
  }

  async wake(readings: Record<string, number>): Promise<WakeResult> {
    await this.air.at(this.ctx.simNow());
    const sent: Record<string, number> = {};
    for (const [name, value] of Object.entries(readings)) {
      const o = OBJECTS[name];
      if (!o) continue;
      sent[name] = quantize(value, o.factor);
      this.sensor.setReading(o.id, sent[name]);
    }
    const data = Buffer.from(this.sensor.nextFrame());
    this.pdus += this.opts.repeats;
    this.bytes += this.opts.repeats * (data.length + AD_BYTES);
    let heard = false;
    for (let i = 0; i < this.opts.repeats; i++) {
      // A copy held back by the reorder fault goes out after the next one: then it is older.
      for (const out of this.ctx.link.up(data)) if (this.deliver(out) && out === data) heard = true;
    }
    for (const late of this.ctx.link.flush()) if (this.deliver(late) && late === data) heard = true;
    return { acknowledged: heard, sent };
  }

  private deliver(data: Buffer): boolean {
    if (this.opts.outOfRange) return false;
    return this.air.central.hear({ address: this.mac, connectable: false, rssi: this.sensor.rssi, serviceData: [{ uuid: 'fcd2', data }], ...(this.sensor.localName ? { localName: this.sensor.localName } : {}) });
  }

  reboot(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.air.central.remove(this.mac);
    return Promise.resolve();
  }

  traffic(): { datagramsUp: number; bytesUp: number; datagramsDown: number; bytesDown: number } {
    return { datagramsUp: this.pdus, bytesUp: this.bytes, datagramsDown: 0, bytesDown: 0 };
  }

  radioCounters(): RadioCounters {
    return { advertisingEvents: this.sensor.advertisingEvents, connections: 0, connectedMs: 0 };
  }
}

export const bleBthomeSensor: DeviceKind = {
  binding: 'ble',
  sleepy: true,
  power: 'battery',
  readings: Object.keys(OBJECTS),
  actions: [],
  energy: BLE_ENERGY,
  create: (ctx) => new BthomeFleetDevice(ctx, options(ctx.options)),
};
