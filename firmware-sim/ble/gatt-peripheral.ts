/**
 * A connectable GATT peripheral model: services of characteristics with values, read, write
 * and notify, a connectable advertisement (sleepy devices advertise, wait for a central, and
 * sleep again). The same model runs on the simulated radio and on real bleno.
 */
import { encodeGattValue, normalizeUuid } from '../../protocols/gatt/gatt-mapping.js';

export type CharProperty = 'read' | 'write' | 'writeWithoutResponse' | 'notify';

export interface CharacteristicModel {
  service: string;
  uuid: string;
  properties: CharProperty[];
  value: Uint8Array;
}

export interface GattPeripheralOptions {
  address: string;
  localName?: string;
  /** Sleepy: only reachable around its advertisements. */
  sleepy?: boolean;
  advertiseIntervalMs?: number;
  characteristics?: CharacteristicModel[];
  rssi?: number;
}

export interface WriteRecord {
  service: string;
  uuid: string;
  value: Uint8Array;
}

type Listener = (value: Uint8Array) => void;
const k = (service: string, uuid: string) => `${normalizeUuid(service)}/${normalizeUuid(uuid)}`;

export class GattPeripheral {
  readonly address: string;
  readonly localName: string | undefined;
  readonly sleepy: boolean;
  readonly advertiseIntervalMs: number;
  rssi: number;
  inRange = true;
  /** Energy report: advertising events sent and time spent connected (ms). */
  advertisingEvents = 0;
  connectedMs = 0;
  connections = 0;
  /** Links open now. */
  openLinks = 0;
  /** Characteristic reads served. */
  reads = 0;
  readonly writes: WriteRecord[] = [];
  private readonly chars = new Map<string, CharacteristicModel>();
  private readonly subscribers = new Map<string, Set<Listener>>();

  constructor(opts: GattPeripheralOptions) {
    this.address = opts.address.toLowerCase();
    this.localName = opts.localName;
    this.sleepy = opts.sleepy ?? false;
    this.advertiseIntervalMs = opts.advertiseIntervalMs ?? (this.sleepy ? 30000 : 1000);
    this.rssi = opts.rssi ?? -55;
    for (const c of opts.characteristics ?? []) this.add(c);
  }

  add(c: CharacteristicModel): void {
    this.chars.set(k(c.service, c.uuid), { ...c, service: normalizeUuid(c.service), uuid: normalizeUuid(c.uuid) });
  }

  list(): CharacteristicModel[] {
    return [...this.chars.values()];
  }

  get(service: string, uuid: string): CharacteristicModel | undefined {
    return this.chars.get(k(service, uuid));
  }

  read(service: string, uuid: string): Uint8Array {
    const c = this.require(service, uuid, 'read');
    this.reads++;
    return c.value.slice();
  }

  write(service: string, uuid: string, value: Uint8Array): void {
    const c = this.chars.get(k(service, uuid));
    if (!c || !(c.properties.includes('write') || c.properties.includes('writeWithoutResponse'))) {
      throw new Error(`ATT error 0x03 (write not permitted): ${service}/${uuid}`);
    }
    c.value = value.slice();
    this.writes.push({ service: c.service, uuid: c.uuid, value: value.slice() });
  }

  subscribe(service: string, uuid: string, listener: Listener): () => void {
    this.require(service, uuid, 'notify');
    const key = k(service, uuid);
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Sets a value (a new measurement) and notifies subscribers; answers how many were notified. */
  setValue(service: string, uuid: string, value: Uint8Array): number {
    const c = this.chars.get(k(service, uuid));
    if (!c) throw new Error(`no characteristic ${service}/${uuid}`);
    c.value = value.slice();
    const listeners = [...(this.subscribers.get(k(service, uuid)) ?? [])];
    for (const l of listeners) l(value.slice());
    return listeners.length;
  }

  /** Subscribers of one characteristic now. */
  subscriberCount(service: string, uuid: string): number {
    return this.subscribers.get(k(service, uuid))?.size ?? 0;
  }

  dropSubscribers(): void {
    this.subscribers.clear();
  }

  private require(service: string, uuid: string, prop: CharProperty): CharacteristicModel {
    const c = this.chars.get(k(service, uuid));
    if (!c || !c.properties.includes(prop)) throw new Error(`ATT error (${prop} not permitted): ${service}/${uuid}`);
    return c;
  }
}

/** Vendor service of the reference device: a writable report interval (uint16 seconds) and an LED (bool). */
export const REFERENCE_SERVICE = '6e400001b5a3f393e0a9e50e24dcca9e';
export const REFERENCE_INTERVAL_CHAR = '6e400002b5a3f393e0a9e50e24dcca9e';
export const REFERENCE_LED_CHAR = '6e400003b5a3f393e0a9e50e24dcca9e';

/** The reference environmental sensor: 0x181A temperature/humidity/pressure, 0x180F battery, 0x180A info, vendor settings. */
export function environmentalSensor(opts: Omit<GattPeripheralOptions, 'characteristics'> & { temperature?: number; humidity?: number; pressureHpa?: number; battery?: number }): GattPeripheral {
  const enc = (type: 'int' | 'uint', length: number, scale: number, v: number) => encodeGattValue({ name: 'v', service: '', characteristic: '', type, length, scale }, v);
  const utf8 = (s: string) => Uint8Array.from(Buffer.from(s, 'utf8'));
  const env: CharProperty[] = ['read', 'notify'];
  return new GattPeripheral({
    ...opts,
    characteristics: [
      { service: '181a', uuid: '2a6e', properties: env, value: enc('int', 2, 0.01, opts.temperature ?? 21.5) },
      { service: '181a', uuid: '2a6f', properties: env, value: enc('uint', 2, 0.01, opts.humidity ?? 45) },
      { service: '181a', uuid: '2a6d', properties: env, value: enc('uint', 4, 0.001, opts.pressureHpa ?? 1013.25) },
      { service: '180f', uuid: '2a19', properties: env, value: enc('uint', 1, 1, opts.battery ?? 97) },
      { service: '180a', uuid: '2a29', properties: ['read'], value: utf8('Roost Labs') },
      { service: '180a', uuid: '2a24', properties: ['read'], value: utf8('RL-ENV-1') },
      { service: '180a', uuid: '2a26', properties: ['read'], value: utf8('1.4.2') },
      { service: REFERENCE_SERVICE, uuid: REFERENCE_INTERVAL_CHAR, properties: ['read', 'write'], value: enc('uint', 2, 1, 60) },
      { service: REFERENCE_SERVICE, uuid: REFERENCE_LED_CHAR, properties: ['read', 'write'], value: Uint8Array.of(0) },
    ],
  });
}
