/**
 * BleCentral over @stoprocent/noble: the only module that imports noble, and only when called
 * (noble keeps the process alive once a state listener is attached; close() releases it).
 * Drivers: the kernel's HCI socket, or an HCI controller on a UART (a serial port or a pty).
 */
import { EventEmitter } from 'node:events';
import type { Characteristic, Noble, Peripheral } from '@stoprocent/noble';
import { BindingUnavailableError, ConfigInvalidError, DeviceTimeoutError } from '../../protocols/errors.js';
import { normalizeUuid } from '../../protocols/gatt/gatt-mapping.js';
import type { BleOptions } from './ble-options.js';
import type { AdapterState, Advertisement, BleCentral, BleConnection, CentralEvents, CharacteristicInfo } from './central.js';

class NobleConnection implements BleConnection {
  private readonly chars = new Map<string, Characteristic>();

  constructor(readonly address: string, private readonly peripheral: Peripheral) {}

  async discover(): Promise<CharacteristicInfo[]> {
    const { services } = await this.peripheral.discoverAllServicesAndCharacteristicsAsync();
    const out: CharacteristicInfo[] = [];
    for (const s of services ?? []) {
      for (const c of s.characteristics ?? []) {
        const info = { service: normalizeUuid(s.uuid), uuid: normalizeUuid(c.uuid), properties: c.properties };
        this.chars.set(`${info.service}/${info.uuid}`, c);
        out.push(info);
      }
    }
    return out;
  }

  /** Handles are per connection: a later session finds the characteristics it needs by UUID. */
  private async char(service: string, characteristic: string): Promise<Characteristic> {
    const key = `${normalizeUuid(service)}/${normalizeUuid(characteristic)}`;
    if (!this.chars.has(key)) {
      const { characteristics } = await this.peripheral.discoverSomeServicesAndCharacteristicsAsync([normalizeUuid(service)], [normalizeUuid(characteristic)]);
      for (const c of characteristics) this.chars.set(`${normalizeUuid(service)}/${normalizeUuid(c.uuid)}`, c);
    }
    const c = this.chars.get(key);
    if (!c) throw new BindingUnavailableError(`${this.address} offers no characteristic ${characteristic} in service ${service}`);
    return c;
  }

  async read(service: string, characteristic: string): Promise<Uint8Array> {
    return (await this.char(service, characteristic)).readAsync();
  }

  async write(service: string, characteristic: string, data: Uint8Array, withoutResponse = false): Promise<void> {
    await (await this.char(service, characteristic)).writeAsync(Buffer.from(data), withoutResponse);
  }

  async subscribe(service: string, characteristic: string, onValue: (value: Uint8Array) => void): Promise<void> {
    const c = await this.char(service, characteristic);
    c.on('data', (data: Buffer, isNotification: boolean) => {
      if (isNotification) onValue(data);
    });
    await c.subscribeAsync();
  }

  async disconnect(): Promise<void> {
    if (this.peripheral.state === 'disconnected') return;
    await this.peripheral.disconnectAsync();
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.peripheral.once('disconnect', (reason: unknown) => listener(String(reason)));
  }
}

class NobleCentral extends EventEmitter implements BleCentral {
  private wantScan = false;

  constructor(private readonly noble: Noble) {
    super();
    noble.on('stateChange', (s: AdapterState) => this.emit('state', s));
    noble.on('discover', (p: Peripheral) => this.emit('advertisement', toAdvertisement(p)));
  }

  get state(): AdapterState {
    return this.noble.state;
  }

  override on<K extends keyof CentralEvents>(event: K, listener: (...args: CentralEvents[K]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off<K extends keyof CentralEvents>(event: K, listener: (...args: CentralEvents[K]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  async startScanning(): Promise<void> {
    this.wantScan = true;
    // Duplicates on: every advertisement carries fresh sensor data.
    await this.noble.startScanningAsync([], true);
  }

  async stopScanning(): Promise<void> {
    this.wantScan = false;
    await this.noble.stopScanningAsync();
  }

  async connect(address: string, opts: { timeoutMs: number }): Promise<BleConnection> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.noble.cancelConnect(address);
        reject(new DeviceTimeoutError(`connect to ${address} took over ${opts.timeoutMs} ms`));
      }, opts.timeoutMs);
    });
    try {
      const p = await Promise.race([this.noble.connectAsync(address), timeout]);
      return new NobleConnection(address, p);
    } finally {
      clearTimeout(timer);
      // noble stops the scan to connect and leaves it stopped; passive sensors need it back.
      if (this.wantScan && this.noble.state === 'poweredOn') await this.noble.startScanningAsync([], true).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.removeAllListeners();
    this.noble.removeAllListeners();
    this.noble.stop();
  }
}

function toAdvertisement(p: Peripheral): Advertisement {
  const a = p.advertisement;
  return {
    address: p.address.toLowerCase(),
    connectable: p.connectable,
    rssi: p.rssi,
    ...(a.localName ? { localName: a.localName } : {}),
    serviceData: (a.serviceData ?? []).map((sd) => ({ uuid: normalizeUuid(sd.uuid), data: sd.data })),
  };
}

/** Loads noble and opens the adapter the options name. */
export async function createNobleCentral(adapter: BleOptions['adapter']): Promise<BleCentral> {
  const mod = (await import('@stoprocent/noble')) as unknown as { withBindings: typeof import('@stoprocent/noble').withBindings };
  if (adapter.driver === 'uart' && !adapter.uartPort) throw new ConfigInvalidError('config: /bindings/ble/adapter/uartPort: required for the uart driver');
  const noble = adapter.driver === 'uart'
    ? mod.withBindings('hci', { hciDriver: 'uart', bindParams: { uart: { port: adapter.uartPort, baudRate: adapter.uartBaudRate } } })
    : mod.withBindings('hci', { deviceId: adapter.hciDeviceId, userChannel: adapter.userChannel });
  return new NobleCentral(noble);
}
