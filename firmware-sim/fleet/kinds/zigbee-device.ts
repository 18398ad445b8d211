/**
 * Fleet adapters for firmware-sim/zigbee's profile devices, all through one emulated coordinator
 * (zigbee-net.ts): at power-on a device joins (the fleet opened joining through the hub) and
 * waits until the gateway has interviewed and identified it and configure() is over, as a real
 * device stays awake while pairing (until its reporting is configured and the air is quiet). At each wake it reports its readings as ZCL attribute
 * reports (a sleepy one then listens for `listenMs` for what the hub queued for it, and sleeps).
 * Readings are written in the cluster's resolution, so the converted value is the reading.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeviceNotFoundError, DeviceTimeoutError } from '../../../protocols/errors.js';
import type { SimDevice as ZigbeeDevice } from '../../zigbee/sim-device.js';
import type { DeviceContext, DeviceKind, FleetDevice, GatewayNeeds, WakeResult } from '../device-model.js';
import { ieeeOf, zigbeeNet, type ZigbeeNet } from './zigbee-net.js';

/** Where a reading goes: an attribute, in units of `factor` (ZCL 07-5123 §4.4.2.2.1, §4.7.2.1.1). */
interface AttributeTarget {
  endpoint: number;
  cluster: number;
  attribute: number;
  factor: number;
}

interface ZigbeeKindSpec {
  profile: string;
  readings: Readonly<Record<string, AttributeTarget>>;
  /** Cluster commands the fleet counts as received actions: action name -> `cluster:command` (hex). */
  actions: Readonly<Record<string, string>>;
  /** Cluster commands the fleet counts as received writes: property -> the commands a write of it sends. */
  writes: Readonly<Record<string, readonly string[]>>;
  /**
   * Attribute reports the model's configure() sets up (converters 26.112.0, counted on the
   * emulator): pairing ends once the device has that many, so that its first report is converted
   * with what configure() read (a plug's power divisor).
   */
  reportingConfigured: number;
}

const IDENTIFY = { identify: '3:0' };

const SPECS: Readonly<Record<string, ZigbeeKindSpec>> = {
  'zigbee-th-sensor': {
    profile: 'temperature-humidity-sensor',
    readings: {
      temperature: { endpoint: 1, cluster: 0x0402, attribute: 0x0000, factor: 0.01 },
      humidity: { endpoint: 1, cluster: 0x0405, attribute: 0x0000, factor: 0.01 },
    },
    actions: {},
    writes: {},
    reportingConfigured: 4,
  },
  'zigbee-plug': {
    profile: 'smart-plug',
    // activePower in W (the profile's multiplier and divisor are 1).
    readings: { power: { endpoint: 1, cluster: 0x0b04, attribute: 0x050b, factor: 1 } },
    actions: {},
    // The converters write `state` as On/Off/Toggle commands (ZCL 07-5123 §3.8.2.3).
    writes: { state: ['6:0', '6:1', '6:2'] },
    reportingConfigured: 5,
  },
  'zigbee-door-sensor': { profile: 'door-sensor', readings: {}, actions: IDENTIFY, writes: {}, reportingConfigured: 3 },
};

interface ZigbeeOptions {
  /**
   * Quiet time after the last frame heard before a sleepy device sleeps again (its poll window).
   * A command that misses it waits in herdsman for the device's next message, so keep it above
   * the gateway's turnaround (herdsman's send, the adapter's retries): 1 s by default.
   */
  listenMs: number;
  /** Quiet time that ends pairing (the gateway's configure() is over). */
  pairingQuietMs: number;
  joinTimeoutMs: number;
}

function options(o: Record<string, unknown>): ZigbeeOptions {
  const num = (k: string, d: number): number => (typeof o[k] === 'number' ? (o[k] as number) : d);
  return { listenMs: num('listenMs', 1000), pairingQuietMs: num('pairingQuietMs', 300), joinTimeoutMs: num('joinTimeoutMs', 60_000) };
}

class ZigbeeFleetDevice implements FleetDevice {
  readonly deviceId: string;
  readonly thingId: string;
  readonly sleepy: boolean;
  private readonly ieee: string;
  private readonly net: ZigbeeNet;
  private dev: ZigbeeDevice | null = null;
  private readonly seen: Record<string, number> = {};
  /** Set by stop(): a device still pairing gives up at once. */
  private stopped = false;

  constructor(private readonly ctx: DeviceContext, private readonly spec: ZigbeeKindSpec, sleepy: boolean, private readonly opts: ZigbeeOptions) {
    this.deviceId = ctx.deviceId;
    this.ieee = ieeeOf(ctx.index);
    this.thingId = `urn:roost:zigbee:${this.ieee.slice(2)}`;
    this.sleepy = sleepy;
    this.net = zigbeeNet(ctx);
  }

  async prepare(): Promise<GatewayNeeds> {
    const sim = await this.net.coordinator();
    // Half its poll window: the binding's window opens a little after the device's uplink left.
    return { serialPorts: [], zigbee: { port: sim.url, ...(this.sleepy ? { awakeWindowMs: Math.max(1, Math.floor(this.opts.listenMs / 2)) } : {}) } };
  }

  async start(): Promise<void> {
    const sim = await this.net.coordinator();
    await this.net.openJoining(this.ctx.hub());
    const dev = sim.addDevice(this.spec.profile, this.ieee);
    this.dev = dev;
    // Commands are counted as they arrive, so an always-on device's latency is its own, not its next wake's.
    dev.onCommand = () => this.sync();
    sim.join(dev);
    await this.untilIdentified();
    for (const end = Date.now() + this.opts.joinTimeoutMs; dev.reporting.length < this.spec.reportingConfigured; await sleep(20)) {
      this.notStopped();
      if (Date.now() > end) throw new DeviceTimeoutError(`${this.deviceId}: the gateway configured ${dev.reporting.length} of ${this.spec.reportingConfigured} attribute reports within ${this.opts.joinTimeoutMs} ms`);
    }
    await this.quiet(this.opts.pairingQuietMs, this.opts.joinTimeoutMs);
    if (this.sleepy) dev.sleep();
  }

  /** Until the directory describes the device with every reading and action of its kind. */
  private async untilIdentified(): Promise<void> {
    const hub = this.ctx.hub();
    if (!hub.describe) return;
    const want = Object.keys(this.spec.readings);
    const actions = Object.keys(this.spec.actions);
    for (const end = Date.now() + this.opts.joinTimeoutMs; ; await sleep(50)) {
      this.notStopped();
      const t = await hub.describe(this.thingId);
      if (t && want.every((p) => t.properties.includes(p)) && actions.every((a) => t.actions.includes(a)) && !/\(interview/.test(t.title)) return;
      if (Date.now() > end) throw new DeviceTimeoutError(`${this.deviceId}: the gateway did not identify ${this.spec.profile} ${this.ieee} within ${this.opts.joinTimeoutMs} ms (last seen: ${JSON.stringify(t)})`);
    }
  }

  private notStopped(): void {
    if (this.stopped) throw new DeviceNotFoundError(`${this.deviceId} was powered off while pairing`);
  }

  /** Waits until nothing was heard for quietMs: no ZCL frame, no ZDO bind (configure binds clusters), no reporting set up. */
  private async quiet(quietMs: number, boundMs: number): Promise<void> {
    const dev = this.dev;
    if (!dev) return;
    const activity = (): number => dev.counters.zclIn + dev.bindings.length + dev.reporting.length;
    const end = Date.now() + boundMs;
    for (let heard = -1; heard !== activity() && Date.now() < end && !this.stopped;) {
      heard = activity();
      await sleep(quietMs);
    }
  }

  async wake(readings: Record<string, number>): Promise<WakeResult> {
    const dev = this.dev;
    if (!dev) throw new DeviceNotFoundError(`${this.deviceId} has not joined`);
    const sent: Record<string, number> = {};
    for (const [name, value] of Object.entries(readings)) {
      const t = this.spec.readings[name];
      if (!t) continue;
      const raw = Math.round(value / t.factor);
      sent[name] = Number((raw * t.factor).toFixed(Math.max(0, Math.ceil(-Math.log10(t.factor)))));
      dev.set(t.endpoint, t.cluster, t.attribute, raw);
    }
    if (Object.keys(sent).length === 0) dev.wake();
    if (this.sleepy) {
      await this.quiet(this.opts.listenMs, 10_000);
      dev.sleep();
    }
    this.sync();
    return { acknowledged: dev.joined && dev.powered, sent };
  }

  /** Counts the cluster commands that stand for actions and writes (the commands carry no queue item id). */
  sync(): void {
    const dev = this.dev;
    if (!dev) return;
    const count = (ids: readonly string[]): number => ids.reduce((n, id) => n + (dev.counters.commands[id] ?? 0), 0);
    const report = (kind: 'action' | 'write', name: string, n: number): void => {
      const key = `${kind}:${name}`;
      for (let k = this.seen[key] ?? 0; k < n; k++) this.ctx.onCommand({ kind, name, input: null });
      this.seen[key] = n;
    };
    for (const [name, id] of Object.entries(this.spec.actions)) report('action', name, count([id]));
    for (const [name, ids] of Object.entries(this.spec.writes)) report('write', name, count(ids));
  }

  async reboot(): Promise<void> {
    // Back from a power cut, a joined device announces itself again (Zigbee §2.4.3.1.11).
    const dev = this.dev;
    if (dev) (await this.net.coordinator()).emulator.announce(dev);
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.sync();
    return Promise.resolve();
  }

  traffic(): { datagramsUp: number; bytesUp: number; datagramsDown: number; bytesDown: number } {
    const c = this.dev?.counters;
    return { datagramsUp: c?.zclOut ?? 0, bytesUp: c?.bytesOut ?? 0, datagramsDown: c?.zclIn ?? 0, bytesDown: c?.bytesIn ?? 0 };
  }
}

function kind(name: string, power: 'battery' | 'mains', sleepy: boolean): DeviceKind {
  const spec = SPECS[name]!;
  return {
    binding: 'zigbee',
    sleepy,
    power,
    pairing: true,
    readings: Object.keys(spec.readings),
    actions: Object.keys(spec.actions),
    writes: Object.keys(spec.writes),
    create: (ctx) => new ZigbeeFleetDevice(ctx, spec, sleepy, options(ctx.options)),
  };
}

export const zigbeeThSensor = kind('zigbee-th-sensor', 'battery', true);
export const zigbeePlug = kind('zigbee-plug', 'mains', false);
export const zigbeeDoorSensor = kind('zigbee-door-sensor', 'battery', true);
