/**
 * Runs a firmware-sim device model on a real controller through @stoprocent/bleno: a BTHome
 * advertiser (one advertising enable per frame) or a connectable GATT peripheral. Imported
 * lazily; the controller is a kernel HCI device or an HCI UART (a serial port or a pty).
 */
import { EventEmitter } from 'node:events';
import type { BthomeSensor } from './bthome-sensor.js';
import type { GattPeripheral } from './gatt-peripheral.js';

export interface BlenoAdapter {
  /** HCI over a UART (pty from socat + btvirt in tests); else the kernel's HCI device. */
  uartPort?: string;
  uartBaudRate?: number;
  hciDeviceId?: number;
}

/* Minimal view of bleno's API (its package ships no types). */
interface BlenoCharacteristic { uuid: string }
interface BlenoLike extends EventEmitter {
  state: string;
  address: string;
  Characteristic: new (o: Record<string, unknown>) => BlenoCharacteristic & { RESULT_SUCCESS: number; RESULT_UNLIKELY_ERROR: number };
  PrimaryService: new (o: { uuid: string; characteristics: BlenoCharacteristic[] }) => unknown;
  startAdvertisingWithEIRData(adv: Buffer, scan: Buffer, cb?: (err?: Error | null) => void): void;
  stopAdvertising(cb?: () => void): void;
  setServices(services: unknown[], cb?: (err?: Error | null) => void): void;
  disconnect(handle?: number | null): void;
  stop(): void;
}

const RESULT_SUCCESS = 0x00;
const RESULT_UNLIKELY_ERROR = 0x0e;

/** AD structures (Core Spec Supplement Part A): flags, complete local name, 16-bit service data. */
function adStructure(type: number, data: Uint8Array): Buffer {
  return Buffer.concat([Uint8Array.of(data.length + 1, type), data]);
}

export class BlenoRunner extends EventEmitter {
  private constructor(private readonly bleno: BlenoLike) {
    super();
    bleno.on('accept', (address: string) => this.emit('connect', address));
    bleno.on('disconnect', (address: string) => this.emit('disconnect', address));
  }

  /** Opens the controller and waits until it is powered on. */
  static async open(adapter: BlenoAdapter, timeoutMs = 10000): Promise<BlenoRunner> {
    const mod = (await import('@stoprocent/bleno')) as unknown as { default?: { withBindings: unknown }; withBindings?: unknown };
    const withBindings = (mod.withBindings ?? mod.default?.withBindings) as (type: string, o: Record<string, unknown>) => BlenoLike;
    const bleno = adapter.uartPort
      ? withBindings('hci', { hciDriver: 'uart', bindParams: { uart: { port: adapter.uartPort, baudRate: adapter.uartBaudRate ?? 1000000 } } })
      : withBindings('hci', { deviceId: adapter.hciDeviceId ?? 0 });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bleno: adapter not powered on within ${timeoutMs} ms (state ${bleno.state})`)), timeoutMs);
      const onState = (s: string) => {
        if (s !== 'poweredOn') return;
        clearTimeout(timer);
        bleno.off('stateChange', onState);
        resolve();
      };
      bleno.on('stateChange', onState);
    });
    return new BlenoRunner(bleno);
  }

  get address(): string {
    return this.bleno.address;
  }

  /** One advertising event: stop, set the data, enable (btvirt reports once per enable). */
  async advertise(serviceData: Uint8Array | null, localName?: string): Promise<void> {
    const parts = [adStructure(0x01, Uint8Array.of(0x06))];
    if (serviceData) parts.push(adStructure(0x16, Buffer.concat([Uint8Array.of(0xd2, 0xfc), serviceData])));
    const scan = localName ? adStructure(0x09, Buffer.from(localName, 'utf8')) : Buffer.alloc(0);
    await new Promise<void>((resolve) => this.bleno.stopAdvertising(() => resolve()));
    await new Promise<void>((resolve, reject) => this.bleno.startAdvertisingWithEIRData(Buffer.concat(parts), scan, (err) => (err ? reject(err) : resolve())));
  }

  /** Sends the BTHome sensor's next frame as one advertising event. */
  async advertiseBthome(sensor: BthomeSensor): Promise<void> {
    await this.advertise(sensor.nextFrame(), sensor.localName);
  }

  /** Serves the GATT peripheral model's services; reads, writes and notifications go to the model. */
  async serveGatt(model: GattPeripheral): Promise<void> {
    const { Characteristic, PrimaryService } = this.bleno;
    const byService = new Map<string, BlenoCharacteristic[]>();
    for (const c of model.list()) {
      const ch = new Characteristic({
        uuid: c.uuid,
        properties: c.properties,
        onReadRequest: (_handle: number, offset: number, cb: (result: number, data?: Buffer) => void) => {
          try {
            cb(RESULT_SUCCESS, Buffer.from(model.read(c.service, c.uuid).subarray(offset)));
          } catch {
            cb(RESULT_UNLIKELY_ERROR);
          }
        },
        onWriteRequest: (_handle: number, data: Buffer, _offset: number, _withoutResponse: boolean, cb: (result: number) => void) => {
          try {
            model.write(c.service, c.uuid, data);
            this.emit('write', { service: c.service, uuid: c.uuid, hex: data.toString('hex') });
            cb(RESULT_SUCCESS);
          } catch {
            cb(RESULT_UNLIKELY_ERROR);
          }
        },
        onSubscribe: (_handle: number, _max: number, update: (data: Buffer) => void) => {
          model.subscribe(c.service, c.uuid, (v) => update(Buffer.from(v)));
        },
      });
      const list = byService.get(c.service) ?? [];
      list.push(ch);
      byService.set(c.service, list);
    }
    const services = [...byService].map(([uuid, characteristics]) => new PrimaryService({ uuid, characteristics }));
    await new Promise<void>((resolve, reject) => this.bleno.setServices(services, (err) => (err ? reject(err) : resolve())));
  }

  /** Ends the central's connection (the device goes back to sleep). */
  disconnect(): void {
    this.bleno.disconnect();
  }

  close(): void {
    this.bleno.removeAllListeners();
    this.bleno.stop();
  }
}
