/**
 * A simulated BLE central and radio on a virtual clock. It has the same shape as the binding's
 * central interface (structurally: firmware-sim never imports bindings/), and behaves like a
 * controller where it matters: one connect at a time (`Command Disallowed` otherwise), a limit
 * on links, sleepy peripherals reachable only just after they advertise, resets that drop every
 * link and stop the scan, a wedged scan that reports nothing until restarted.
 */
import { EventEmitter } from 'node:events';
import { BthomeSensor } from './bthome-sensor.js';
import type { GattPeripheral } from './gatt-peripheral.js';
import type { VirtualClock } from './virtual-clock.js';

export type SimAdapterState = 'unknown' | 'resetting' | 'unsupported' | 'unauthorized' | 'poweredOff' | 'poweredOn';

export interface SimAdvertisement {
  address: string;
  connectable: boolean;
  rssi: number;
  localName?: string;
  serviceData: Array<{ uuid: string; data: Uint8Array }>;
}

export interface SimCentralOptions {
  clock: VirtualClock;
  /** Links the controller holds at once. */
  controllerMaxConnections?: number;
  /** How long a sleepy peripheral listens for a connect after it advertised. */
  listenWindowMs?: number;
  /** Radio time of one ATT exchange (one connection event) in the energy report. */
  connectionIntervalMs?: number;
  /** Seed of the advertising jitter (runs are reproducible). */
  seed?: number;
  initialState?: SimAdapterState;
}

export interface EnergyRow {
  address: string;
  kind: 'bthome' | 'gatt';
  advertisingEvents: number;
  connectedMs: number;
  connections: number;
}

type SimDevice = BthomeSensor | GattPeripheral;

class SimConnection {
  private readonly listeners: Array<(reason: string) => void> = [];
  private readonly unsubs: Array<() => void> = [];
  open = true;
  /** ATT exchanges on this link; each costs a connection event of radio time. */
  exchanges = 0;

  constructor(readonly address: string, private readonly device: GattPeripheral, private readonly central: SimCentral, readonly openedAt: number) {}

  async discover(): Promise<Array<{ service: string; uuid: string; properties: string[] }>> {
    await this.turn();
    return this.device.list().map((c) => ({ service: c.service, uuid: c.uuid, properties: [...c.properties] }));
  }

  async read(service: string, characteristic: string): Promise<Uint8Array> {
    await this.turn();
    return this.device.read(service, characteristic);
  }

  async write(service: string, characteristic: string, data: Uint8Array): Promise<void> {
    await this.turn();
    this.device.write(service, characteristic, data);
  }

  async subscribe(service: string, characteristic: string, onValue: (value: Uint8Array) => void): Promise<void> {
    await this.turn();
    this.unsubs.push(this.device.subscribe(service, characteristic, (v) => {
      if (this.open) onValue(v);
    }));
  }

  async disconnect(): Promise<void> {
    this.drop('local host terminated (0x16)');
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.listeners.push(listener);
  }

  /** Ends the link (either side); listeners hear it once. */
  drop(reason: string): void {
    if (!this.open) return;
    this.open = false;
    for (const u of this.unsubs.splice(0)) u();
    this.central.linkClosed(this);
    for (const l of this.listeners.splice(0)) l(reason);
  }

  private async turn(): Promise<void> {
    this.exchanges++;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!this.open) throw new Error(`${this.address}: link lost`);
  }
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SimCentral extends EventEmitter {
  state: SimAdapterState;
  readonly counters = { advertisingReports: 0, connects: 0, commandDisallowed: 0, connectFailures: 0, scanStarts: 0 };
  private readonly clock: VirtualClock;
  private readonly maxLinks: number;
  private readonly listenWindowMs: number;
  private readonly intervalMs: number;
  private readonly random: () => number;
  private readonly devices = new Map<string, { device: SimDevice; timer: unknown; lastAdvAt: number }>();
  private readonly links = new Set<SimConnection>();
  private readonly connectedMs = new Map<string, number>();
  private scanning = false;
  private wedged = false;
  private connecting = false;

  constructor(opts: SimCentralOptions) {
    super();
    this.clock = opts.clock;
    this.maxLinks = opts.controllerMaxConnections ?? 8;
    this.listenWindowMs = opts.listenWindowMs ?? 2000;
    this.intervalMs = opts.connectionIntervalMs ?? 30;
    this.random = prng(opts.seed ?? 1);
    this.state = opts.initialState ?? 'poweredOn';
  }

  // --- the central interface (what the binding uses) ---

  async startScanning(): Promise<void> {
    if (this.state !== 'poweredOn') throw new Error(`adapter ${this.state}`);
    this.scanning = true;
    this.wedged = false;
    this.counters.scanStarts++;
  }

  async stopScanning(): Promise<void> {
    this.scanning = false;
  }

  async connect(address: string, opts: { timeoutMs: number }): Promise<SimConnection> {
    void opts;
    if (this.state !== 'poweredOn') throw new Error(`adapter ${this.state}`);
    if (this.connecting) {
      this.counters.commandDisallowed++;
      throw new Error('HCI error 0x0C: Command Disallowed (a connect is pending)');
    }
    this.connecting = true;
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const entry = this.devices.get(address.toLowerCase());
      const device = entry?.device;
      const reachable = entry && device && !(device instanceof BthomeSensor) && device.inRange
        && (!device.sleepy || this.clock.now() - entry.lastAdvAt <= this.listenWindowMs);
      if (!reachable || !device || device instanceof BthomeSensor) {
        this.counters.connectFailures++;
        throw new Error(`HCI error 0x3E: Connection Failed to be Established (${address})`);
      }
      if (this.links.size >= this.maxLinks) {
        this.counters.connectFailures++;
        throw new Error('HCI error 0x09: Connection Limit Exceeded');
      }
      const link = new SimConnection(device.address, device, this, this.clock.now());
      this.links.add(link);
      device.connections++;
      device.openLinks++;
      this.counters.connects++;
      return link;
    } finally {
      this.connecting = false;
    }
  }

  async close(): Promise<void> {
    for (const l of [...this.links]) l.drop('central closed');
    this.removeAllListeners();
  }

  // --- the radio and the test/scenario controls ---

  /**
   * Puts a device on air; periodic devices start advertising at a random phase, unless
   * `scheduled` is false (a fleet scenario decides when each device advertises).
   */
  add(device: SimDevice, opts: { scheduled?: boolean } = {}): void {
    const entry = { device, timer: null as unknown, lastAdvAt: Number.NEGATIVE_INFINITY };
    this.devices.set(device.address, entry);
    const periodic = opts.scheduled !== false && (device instanceof BthomeSensor ? !device.triggerBased : true);
    const interval = device instanceof BthomeSensor ? device.intervalMs : device.advertiseIntervalMs;
    if (!periodic) return;
    const loop = () => {
      this.advertise(device.address);
      // BLE adds 0-10 ms of random delay to every advertising event (Core Spec Vol 6 Part B §4.4.2.2.1).
      entry.timer = this.clock.setTimeout(loop, interval + Math.floor(this.random() * 10));
    };
    entry.timer = this.clock.setTimeout(loop, Math.floor(this.random() * interval));
  }

  remove(address: string): void {
    const entry = this.devices.get(address.toLowerCase());
    if (!entry) return;
    this.clock.clearTimeout(entry.timer);
    this.devices.delete(address.toLowerCase());
    for (const l of [...this.links]) if (l.address === entry.device.address) l.drop('remote user terminated (0x13)');
  }

  /** One advertising event now (a trigger-based press, or a periodic tick). */
  advertise(address: string): void {
    const entry = this.devices.get(address.toLowerCase());
    if (!entry) return;
    const d = entry.device;
    entry.lastAdvAt = this.clock.now();
    if (d instanceof BthomeSensor) {
      const data = d.nextFrame();
      const adv: SimAdvertisement = { address: d.address, connectable: false, rssi: d.rssi, serviceData: [{ uuid: 'fcd2', data }], ...(d.localName ? { localName: d.localName } : {}) };
      if (d.inRange) for (let i = 0; i < d.repeats; i++) this.report(adv);
      return;
    }
    d.advertisingEvents++;
    if (d.inRange) this.report({ address: d.address, connectable: true, rssi: d.rssi, serviceData: [], ...(d.localName ? { localName: d.localName } : {}) });
  }

  /** Moves a device out of (or back into) range; an open link drops with a supervision timeout. */
  setInRange(address: string, inRange: boolean): void {
    const entry = this.devices.get(address.toLowerCase());
    if (!entry) return;
    entry.device.inRange = inRange;
    if (!inRange) for (const l of [...this.links]) if (l.address === entry.device.address) l.drop('connection timeout (0x08)');
  }

  /** The controller resets: every link drops, the scan stops, the state goes resetting -> poweredOn. */
  async resetAdapter(): Promise<void> {
    this.setState('resetting');
    this.scanning = false;
    for (const l of [...this.links]) l.drop('adapter reset');
    await this.clock.settle();
    this.setState('poweredOn');
  }

  setState(state: SimAdapterState): void {
    this.state = state;
    this.emit('state', state);
  }

  /** The scan stays on but reports nothing until it is restarted (seen on real controllers). */
  wedgeScan(): void {
    this.wedged = true;
  }

  get linkCount(): number {
    return this.links.size;
  }

  linkClosed(link: SimConnection): void {
    if (!this.links.delete(link)) return;
    const d = this.devices.get(link.address)?.device;
    const ms = this.linkMs(link);
    this.connectedMs.set(link.address, (this.connectedMs.get(link.address) ?? 0) + ms);
    if (d && !(d instanceof BthomeSensor)) {
      d.connectedMs += ms;
      d.openLinks--;
      d.dropSubscribers();
    }
  }

  /** Connected time of a link: virtual time open, at least one connection event per exchange plus setup and teardown. */
  private linkMs(link: SimConnection): number {
    return Math.max(this.clock.now() - link.openedAt, (link.exchanges + 2) * this.intervalMs);
  }

  /** Advertising events and connection time per device (open links counted up to now). */
  energyReport(): EnergyRow[] {
    const open = new Map<string, number>();
    for (const l of this.links) open.set(l.address, (open.get(l.address) ?? 0) + this.linkMs(l));
    return [...this.devices.values()].map(({ device: d }) => ({
      address: d.address,
      kind: d instanceof BthomeSensor ? 'bthome' : 'gatt',
      advertisingEvents: d.advertisingEvents,
      connectedMs: (this.connectedMs.get(d.address) ?? 0) + (open.get(d.address) ?? 0),
      connections: d instanceof BthomeSensor ? 0 : d.connections,
    }));
  }

  /** One advertising report reaches the scanner, if it is listening; true when it did. */
  hear(adv: SimAdvertisement): boolean {
    if (!this.scanning || this.wedged || this.state !== 'poweredOn') return false;
    this.counters.advertisingReports++;
    this.emit('advertisement', adv);
    return true;
  }

  /** Advertising and connection figures of one device (open links counted up to now). */
  energyOf(address: string): EnergyRow | undefined {
    const d = this.devices.get(address.toLowerCase())?.device;
    if (!d) return undefined;
    let open = 0;
    for (const l of this.links) if (l.address === d.address) open += this.linkMs(l);
    return {
      address: d.address,
      kind: d instanceof BthomeSensor ? 'bthome' : 'gatt',
      advertisingEvents: d.advertisingEvents,
      connectedMs: (this.connectedMs.get(d.address) ?? 0) + open,
      connections: d instanceof BthomeSensor ? 0 : d.connections,
    };
  }

  private report(adv: SimAdvertisement): void {
    this.hear(adv);
  }
}
