/**
 * The fleet runner: builds every device of a scenario, then steps simulated time in ticks. In
 * each tick it first sends the actions and writes due (through the hub API, each awaited until queued),
 * then runs the wakes due, a bounded number at once. With `speed` > 0 a tick also waits for
 * wall-clock time to catch up. Random choices come from per-device streams of the seed, so a
 * run's deterministic figures do not depend on timing.
 */
import { ConfigInvalidError, InternalError } from '../../protocols/errors.js';
import type { ActionClient, ActionHandle } from './action-client.js';
import type { Closable, DeviceKind, GatewayAddress, GatewayNeeds, ReceivedCommand, SharedResources } from './device-model.js';
import { fleetCredentials, fleetManifest, type DeviceSecrets } from './credentials.js';
import { emptyFaultCounters, type FaultCounters } from './faults.js';
import { forEachLimited, sleep } from './pool.js';
import { Prng } from './prng.js';
import { expandInvocations, groupDeviceIds, type Invocation, type Scenario } from './scenario.js';
import { SimDevice } from './sim-device.js';

/** One action invocation or property write the scenario sends, and what became of it. */
export interface SentAction {
  key: string;
  type: 'action' | 'write';
  device: string;
  thingId: string;
  /** Action or property name. */
  name: string;
  /** Action input or value written. */
  input: unknown;
  atMs: number;
  /** Simulated ms at which the device first executed it (its wake for a sleepy one). */
  executedAtMs?: number;
  /** Wall-clock ms from sending it to the hub to its first execution on the device. */
  wallLatencyMs?: number;
  /** Hub status resource id once queued. */
  id?: string;
  /** Why the hub refused it. */
  error?: string;
  /** Times the device executed it (1 = exactly once). */
  received: number;
  /** Last state the hub reported. */
  state?: string;
}

export interface ProgressSnapshot {
  simMs: number;
  durationMs: number;
  devicesOnline: number;
  devices: number;
  wakes: number;
  datagrams: number;
  /** Actions the hub accepted (refused ones count as errors). */
  actionsSent: number;
  actionsDelivered: number;
  errors: number;
  wallMs: number;
}

export interface RunnerOptions {
  scenario: Scenario;
  kinds: Readonly<Record<string, DeviceKind>>;
  /** Where the gateway is; or later, through connect() (after prepare() and a gateway start). */
  gateway?: GatewayAddress;
  /** How actions reach the hub; or later, through connect(). */
  actions?: ActionClient;
  onProgress?: (p: ProgressSnapshot) => void;
  /** Wakes in flight at once (default 32). */
  maxConcurrentWakes?: number;
  /** Keep every reading sent, for end-to-end checks (default false). */
  recordReadings?: boolean;
  /** Ends the run early (Ctrl-C); the report covers what ran. */
  signal?: AbortSignal;
  /**
   * Do not hold the scenario's clock for devices whose power-on includes pairing (DeviceKind
   * `pairing`: a Zigbee interview and configure, seconds long): they pair while the others run
   * and wake once paired; wakes due before are skipped. For real-time runs (the demo): which
   * wakes are skipped depends on how fast the gateway pairs, so the report is not reproducible.
   */
  pairInBackground?: boolean;
  /** Wall clock (ms). */
  clock?: () => number;
}

export interface RunOutcome {
  /** Simulated ms actually covered. */
  simMs: number;
  wallMs: number;
  aborted: boolean;
}

export class FleetRunner {
  readonly devices: SimDevice[] = [];
  readonly sent: SentAction[] = [];
  readonly faults: FaultCounters = emptyFaultCounters();
  /** Commands that matched no invocation of this run (should stay 0). */
  unexpectedCommands = 0;
  private readonly byId = new Map<string, SimDevice>();
  private readonly gateway: GatewayAddress = { host: '127.0.0.1', coapPort: 5683 };
  private actions: ActionClient | null;
  private readonly sentById = new Map<string, SentAction>();
  /** Wall-clock ms at which each entry went to the hub. */
  private readonly sentAtWall = new Map<SentAction, number>();
  private readonly due: Invocation[];
  private nextAction = 0;
  private simMs = 0;
  private wallMs = 0;
  private readonly resources = new Map<string, Closable>();
  /** Devices still pairing in the background (pairInBackground). */
  private pairing: Promise<void> | null = null;
  private readonly shared: SharedResources = {
    get: <T extends Closable>(key: string, make: () => T): T => {
      let r = this.resources.get(key) as T | undefined;
      if (!r) {
        r = make();
        this.resources.set(key, r);
      }
      return r;
    },
  };
  private readonly clock: () => number;
  private readonly env = {
    gateway: this.gateway,
    shared: this.shared,
    simNow: (): number => this.simMs,
    hub: (): ActionClient => this.actionClient(),
    credentials: new Map<string, DeviceSecrets>(),
  };

  constructor(private readonly opts: RunnerOptions) {
    this.clock = opts.clock ?? (() => performance.now());
    const s = opts.scenario;
    this.due = expandInvocations(s);
    if (opts.gateway) this.connect(opts.gateway);
    this.actions = opts.actions ?? null;
    this.env.credentials = fleetCredentials(s, opts.kinds);
    const root = new Prng(s.seed);
    for (const g of s.devices) {
      const kind = opts.kinds[g.kind];
      if (!kind) throw new ConfigInvalidError(`unknown device kind ${g.kind}`);
      for (const id of groupDeviceIds(g)) {
        const energy = { ...s.energy, ...kind.energy, ...g.energy };
        const d = new SimDevice(id, this.devices.length, g.kind, kind, g, root, s.faults, energy, this.env, this.faults, (dev, cmd) => this.onCommand(dev, cmd));
        this.devices.push(d);
        this.byId.set(id, d);
      }
    }
  }

  scenario(): Scenario {
    return this.opts.scenario;
  }

  /** Wakes in flight at once: a burst larger than the gateway's socket buffer is lost on loopback. */
  private get limit(): number {
    return this.opts.maxConcurrentWakes ?? DEFAULT_CONCURRENT_WAKES;
  }

  device(id: string): SimDevice | undefined {
    return this.byId.get(id);
  }

  /** Sets up what the gateway must be configured with, before it starts (pseudo-terminals). */
  async prepare(): Promise<GatewayNeeds> {
    const needs: GatewayNeeds = { serialPorts: [] };
    if (this.env.credentials.size > 0) needs.coap = { manifest: fleetManifest(this.env.credentials) };
    for (const d of this.devices) {
      const n = await d.model.prepare?.();
      if (n) mergeNeeds(needs, n);
    }
    return needs;
  }

  /** Where the gateway is and how actions reach it (before start()). */
  connect(gateway: GatewayAddress, actions?: ActionClient): void {
    Object.assign(this.gateway, gateway);
    if (actions) this.actions = actions;
  }

  private actionClient(): ActionClient {
    if (!this.actions) throw new InternalError('fleet runner has no action client: connect() first');
    return this.actions;
  }

  /** Powers every device on; one that cannot reach the gateway counts an error and tries again at its first wake. */
  async start(): Promise<void> {
    const later = this.opts.pairInBackground ? this.devices.filter((d) => d.kind.pairing) : [];
    if (later.length > 0) this.pairing = forEachLimited(later, this.limit, (d) => this.powerOn(d));
    await forEachLimited(this.devices.filter((d) => !later.includes(d)), this.limit, (d) => this.powerOn(d));
  }

  private async powerOn(d: SimDevice): Promise<void> {
    try {
      await d.model.start();
      d.wakes++; // powering on is a wake too: the radio is on to announce the device
    } catch (err) {
      d.errors++;
      d.lastError = (err as Error).message;
    } finally {
      d.poweredOn = true;
    }
  }

  async stop(): Promise<void> {
    await forEachLimited(this.devices, this.limit, (d) => d.model.stop());
    // A device stopped while pairing gives up at its next check (its start() then rejects, counted
    // above); one still waiting for the network to open is not waited for longer than this.
    if (this.pairing) await Promise.race([this.pairing, new Promise((r) => setTimeout(r, PAIRING_STOP_WAIT_MS).unref())]);
    for (const r of this.resources.values()) await r.close();
    this.resources.clear();
  }

  private onCommand(dev: SimDevice, cmd: ReceivedCommand): void {
    // Protocols that carry the item id match exactly; others match the oldest unreceived invocation.
    const type = cmd.kind ?? 'action';
    const match =
      (cmd.itemId !== undefined && this.sentById.get(cmd.itemId)) ||
      this.sent.find((a) => a.device === dev.deviceId && a.type === type && a.name === cmd.name && a.received === 0);
    if (!match) {
      this.unexpectedCommands++;
      return;
    }
    if (match.received++ > 0) return;
    // A sleepy device runs it at the wake that took it; an always-on one at once in scenario time
    // (the delivery's own delay is wall-clock time, measured below: the scenario clock does not model it).
    match.executedAtMs = dev.model.sleepy ? Math.max(match.atMs, dev.wakingAtMs ?? this.simMs) : match.atMs;
    const sentAt = this.sentAtWall.get(match);
    if (sentAt !== undefined) match.wallLatencyMs = Math.round((this.clock() - sentAt) * 10) / 10;
  }

  /**
   * Steps through the scenario up to `untilMs` of simulated time (default: its end), from where
   * the last call stopped; resolves when covered or on abort. `speed` overrides the scenario's
   * pace for this stretch (0: as fast as the gateway answers).
   */
  async run(untilMs = this.opts.scenario.durationS * 1000, speed = this.opts.scenario.speed): Promise<RunOutcome> {
    const s = this.opts.scenario;
    const stopMs = Math.min(untilMs, s.durationS * 1000);
    const record = this.opts.recordReadings ?? false;
    const wallStart = this.clock();
    const simStart = this.simMs;
    let lastProgress = -Infinity;
    while (this.simMs < stopMs) {
      if (this.opts.signal?.aborted) return { simMs: this.simMs, wallMs: this.wallMs + this.clock() - wallStart, aborted: true };
      const end = Math.min(this.simMs + s.tickMs, stopMs);
      while (this.nextAction < this.due.length && this.due[this.nextAction]!.atMs < end) await this.send(this.due[this.nextAction++]!);
      const waking = this.devices.filter((d) => d.alive && (d.nextWakeMs < end || (d.missedWakes && d.poweredOn)));
      await forEachLimited(waking, this.limit, async (d) => {
        // A device that paired late reports at once (as one does after joining), then keeps its own schedule.
        if (d.missedWakes && d.poweredOn) {
          d.missedWakes = false;
          await d.wake(this.simMs, s.faults, this.faults, record);
        }
        while (d.alive && d.nextWakeMs < end) {
          if (d.poweredOn) await d.wake(d.nextWakeMs, s.faults, this.faults, record);
          else d.skipWake();
        }
      });
      this.simMs = end;
      if (speed > 0) await sleep(wallStart + (end - simStart) / speed - this.clock());
      const now = this.clock();
      if (this.opts.onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        this.opts.onProgress(this.progress(this.simMs, this.wallMs + now - wallStart));
      }
    }
    if (this.simMs >= s.durationS * 1000) while (this.nextAction < this.due.length) await this.send(this.due[this.nextAction++]!);
    this.wallMs += this.clock() - wallStart;
    return { simMs: this.simMs, wallMs: this.wallMs, aborted: false };
  }

  /** Waits (wall-clock, bounded by settleS) until every queued action reached the device and a final state. */
  async settle(): Promise<void> {
    const deadline = this.clock() + this.opts.scenario.settleS * 1000;
    for (;;) {
      for (const d of this.devices) d.model.sync?.();
      const open = this.sent.filter((a) => a.id !== undefined && !FINAL.has(a.state ?? ''));
      await Promise.all(open.map(async (a) => {
        try {
          a.state = (await this.actionClient().status(a.id!)).state;
        } catch (err) {
          a.error = (err as Error).message;
        }
      }));
      const waiting = this.sent.some((a) => a.id !== undefined && (!FINAL.has(a.state ?? '') || (a.state === 'completed' && a.received === 0)));
      if (!waiting || this.clock() >= deadline) return;
      await sleep(100);
    }
  }

  private async send(a: Invocation): Promise<void> {
    const dev = this.byId.get(a.device);
    if (!dev) return;
    const entry: SentAction = { key: a.key, type: a.type, device: a.device, thingId: dev.model.thingId, name: a.name, input: a.input, atMs: a.atMs, received: 0 };
    this.sent.push(entry);
    this.sentAtWall.set(entry, this.clock());
    try {
      const h = await this.deliver(entry);
      entry.id = h.id;
      entry.state = h.state;
      this.sentById.set(h.id, entry);
      // An awake device may have run it already: models that can only be polled are looked at now, not at their next wake.
      dev.model.sync?.();
    } catch (err) {
      entry.error = (err as Error).message;
    }
  }

  private deliver(entry: SentAction): Promise<ActionHandle> {
    const hub = this.actionClient();
    if (entry.type === 'action') return hub.invoke(entry.thingId, entry.name, entry.input);
    if (!hub.write) return Promise.reject(new InternalError('the fleet\'s hub client cannot write properties'));
    return hub.write(entry.thingId, entry.name, entry.input);
  }

  progress(simMs: number, wallMs: number): ProgressSnapshot {
    let online = 0;
    let wakes = 0;
    let datagrams = 0;
    let errors = 0;
    for (const d of this.devices) {
      if (d.alive) online++;
      wakes += d.wakes;
      errors += d.errors;
      const t = d.model.traffic();
      datagrams += t.datagramsUp + t.datagramsDown;
    }
    return {
      simMs,
      durationMs: this.opts.scenario.durationS * 1000,
      devicesOnline: online,
      devices: this.devices.length,
      wakes,
      datagrams,
      actionsSent: this.sent.filter((a) => a.id !== undefined).length,
      actionsDelivered: this.sent.filter((a) => a.received > 0).length,
      errors: errors + this.sent.filter((a) => a.error !== undefined).length,
      wallMs,
    };
  }
}

const DEFAULT_CONCURRENT_WAKES = 32;
/** How long stop() waits for devices still pairing in the background to give up. */
const PAIRING_STOP_WAIT_MS = 3000;

/** Adds one device's needs: serial ports and BLE devices add up; the simulated central and the coordinator are shared. */
function mergeNeeds(into: GatewayNeeds, n: GatewayNeeds): void {
  into.serialPorts.push(...n.serialPorts);
  if (n.ble) {
    into.ble ??= { central: n.ble.central, bindKeys: {}, gattDevices: [], bthomeSensors: 0 };
    Object.assign(into.ble.bindKeys, n.ble.bindKeys);
    into.ble.gattDevices.push(...n.ble.gattDevices);
    into.ble.bthomeSensors += n.ble.bthomeSensors;
  }
  if (n.zigbee) {
    into.zigbee ??= { port: n.zigbee.port };
    const w = [into.zigbee.awakeWindowMs, n.zigbee.awakeWindowMs].filter((x): x is number => x !== undefined);
    if (w.length > 0) into.zigbee.awakeWindowMs = Math.min(...w);
  }
}

const FINAL = new Set(['completed', 'failed', 'expired', 'superseded', 'cancelled']);
