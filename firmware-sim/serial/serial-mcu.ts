/**
 * A simulated microcontroller speaking the Roost serial protocol (docs/protocols/serial.md), as
 * firmware would: it boots at 1970, says hello for each of its units (logical things), takes the
 * time, describes itself, sends SenML+CBOR telemetry, runs writes and actions and answers their
 * results, takes provisioning, and, when sleepy, is deaf while it sleeps. It keeps the ids of its
 * last REMEMBERED_ITEMS items with their results and answers a repeated id from that memory
 * without running it again ("At-least-once delivery and dedupe"); the memory may outlive the MCU
 * (`memory`, standing for flash). A hello request for one unit is the gateway's "unknown unit"
 * answer: the unit's frames waiting for an ack are abandoned, the unit says hello, and they go
 * again once its description is acked. Depends on protocols/ only. Driven from tests and fleet
 * scenarios.
 */
import type { SenmlRecord } from '../../protocols/senml/index.js';
import type { Description } from '../../protocols/serial/serial-describe.js';
import { DeviceNotFoundError, DeviceTimeoutError } from '../../protocols/errors.js';
import { SerialLink, type SerialLinkOptions } from '../../protocols/serial/serial-link.js';
import { PROTOCOL_VERSION, type InvokeBody, type ProvisionBody, type SerialMessage, type WriteBody } from '../../protocols/serial/serial-messages.js';
import type { SimPort } from './sim-port.js';

export interface McuUnit {
  /** Unit number on the link (0..254). */
  unit: number;
  id: string;
  sleepy?: boolean;
  description: Description;
}

/** A write or action as the device received it. */
export interface McuCommand {
  unit: number;
  itemId: string;
  kind: 'write' | 'invoke';
  name: string;
  value: unknown;
  /** True when this item id was already run (a retransmission after a lost result). */
  duplicate: boolean;
}

/** The result a device stored for an item id (what it sends again for a repeat). */
export interface McuResult {
  s: number;
  o?: unknown;
  e?: string;
}

/** What the MCU keeps where a reboot does not erase it (flash): results of recent items by id. */
export interface McuMemory {
  results: Map<string, McuResult>;
}

export interface SerialMcuOptions {
  units: McuUnit[];
  /** Survives a reboot when the caller passes the same object to the next SerialMcu (default: a fresh one). */
  memory?: McuMemory;
  /** Longest wait for the gateway to register a unit again after its "unknown unit" answer (default 10000). */
  registerTimeoutMs?: number;
  fw?: string;
  link?: Partial<SerialLinkOptions>;
  /** Runs a write or action; answers the action's output, or throws to report an error. */
  onCommand?: (cmd: McuCommand) => unknown;
  /** Local clock in ms since boot (default: wall time since construction). */
  uptimeMs?: () => number;
}

export interface McuCounters {
  bytesIn: number;
  bytesOut: number;
  /** Bytes that arrived while the MCU slept (lost, as on a real UART). */
  bytesWhileAsleep: number;
  commands: number;
  duplicateCommands: number;
  timeSyncs: number;
  provisions: number;
  helloRequests: number;
  /** Hello requests for one unit: the gateway did not know it (its unacked frames go again later). */
  unknownAnswers: number;
  /** Frames sent again after the unit was registered again. */
  resent: number;
}

/** Item ids (with their results) a device remembers: docs/protocols/serial.md "At-least-once delivery and dedupe". */
export const REMEMBERED_ITEMS = 8;

export class SerialMcu {
  readonly units: McuUnit[];
  readonly commands: McuCommand[] = [];
  readonly counters: McuCounters = { bytesIn: 0, bytesOut: 0, bytesWhileAsleep: 0, commands: 0, duplicateCommands: 0, timeSyncs: 0, provisions: 0, helloRequests: 0, unknownAnswers: 0, resent: 0 };
  /** What provisioning stored: key and config per unit. */
  readonly provisioned = new Map<number, { key?: Uint8Array; config?: Record<string, unknown> }>();
  asleep = false;
  private port: SimPort | null = null;
  private link: SerialLink | null = null;
  private clockOffsetMs: number | null = null;
  private readonly done: Map<string, McuResult>;
  /** Units the gateway said it does not know, until their description is acked. */
  private readonly registering = new Map<number, { promise: Promise<boolean>; resolve: (ok: boolean) => void; timer: NodeJS.Timeout }>();
  private readonly bootAt = Date.now();
  private readonly uptime: () => number;

  constructor(private readonly opts: SerialMcuOptions) {
    this.units = opts.units.map((u) => ({ ...u }));
    this.done = (opts.memory ?? { results: new Map() }).results;
    this.uptime = opts.uptimeMs ?? (() => Date.now() - this.bootAt);
  }

  /** The device's clock: epoch ms once the gateway gave it the time, else ms since 1970 boot. */
  clock(): number {
    return this.uptime() + (this.clockOffsetMs ?? 0);
  }

  get timeSynced(): boolean {
    return this.clockOffsetMs !== null;
  }

  get linkCounters(): SerialLink['counters'] | null {
    return this.link?.counters ?? null;
  }

  /**
   * Power on over `port`: says hello for every unit; resolves when the hellos are acked. With
   * `hello: false` the MCU kept running while its cable was out: it waits to be asked.
   */
  async attach(port: SimPort, opts: { hello?: boolean } = {}): Promise<void> {
    this.detach();
    this.port = port;
    const link = new SerialLink((b) => {
      this.counters.bytesOut += b.length;
      port.write(b);
    }, { message: (m, u) => this.onMessage(m, u) }, this.opts.link);
    this.link = link;
    port.on('data', (chunk) => {
      if (this.asleep) {
        this.counters.bytesWhileAsleep += chunk.length;
        return;
      }
      this.counters.bytesIn += chunk.length;
      link.feed(chunk);
    });
    port.on('close', () => {
      if (this.link === link) this.detach();
    });
    // A 0x00 first flushes whatever the line held before power-on (docs: "Resynchronisation").
    port.write(Buffer.from([0]));
    if (opts.hello !== false) await Promise.all(this.units.map((u) => this.hello(u)));
  }

  /** Power off (or the cable is pulled): the link stops; nothing is remembered but the clock and `memory`. */
  detach(): void {
    for (const r of this.registering.values()) {
      clearTimeout(r.timer);
      r.resolve(false);
    }
    this.registering.clear();
    this.link?.close('mcu detached');
    this.link = null;
    const p = this.port;
    this.port = null;
    p?.close();
  }

  get attached(): boolean {
    return this.link !== null;
  }

  /** Sends readings of properties or events as one SenML pack, absolute times once synced. */
  telemetry(unit: number, values: Record<string, number | string | boolean>): Promise<void> {
    const records: SenmlRecord[] = Object.entries(values).map(([n, v]) => (
      typeof v === 'number' ? { n, v } : typeof v === 'boolean' ? { n, vb: v } : { n, vs: v }
    ));
    // RFC 8428 §4.5.3: before time sync the device sends no time (relative 0 = "now" at the receiver).
    if (this.timeSynced && records[0]) records[0].bt = Math.round(this.clock()) / 1000;
    return this.send(unit, { kind: 'telemetry', records });
  }

  log(unit: number, level: 0 | 1 | 2 | 3, text: string): Promise<void> {
    return this.send(unit, { kind: 'log', body: { l: level, m: text } });
  }

  /** Sleepy units say they sleep; then the MCU is deaf until wake(). */
  async sleep(ms?: number): Promise<void> {
    await Promise.all(this.units.filter((u) => u.sleepy).map((u) => this.send(u.unit, { kind: 'sleep', body: ms === undefined ? {} : { ms } })));
    this.asleep = true;
  }

  /** Listens again and tells the gateway (each sleepy unit) that it is awake. */
  async wake(): Promise<void> {
    this.asleep = false;
    await Promise.all(this.units.filter((u) => u.sleepy).map((u) => this.send(u.unit, { kind: 'wake', body: {} })));
  }

  /** Says hello again for every unit (a reboot without a power cut of the link). */
  async rehello(): Promise<void> {
    await Promise.all(this.units.map((u) => this.hello(u)));
  }

  /**
   * Sends reliably. A frame abandoned because the gateway did not know its unit goes again once
   * the unit is registered (its readings were not stored; hello and describe are what registers it).
   */
  private async send(unit: number, msg: SerialMessage): Promise<void> {
    for (;;) {
      if (!this.link) throw new Error('mcu not attached');
      try {
        await this.link.send(msg, unit);
        return;
      } catch (err) {
        const again = this.registering.get(unit);
        if (!(err instanceof DeviceNotFoundError) || !again || msg.kind === 'hello' || msg.kind === 'describe') throw err;
        if (!(await again.promise)) throw new DeviceTimeoutError(`unit ${unit} was not registered again`, { unit });
        this.counters.resent++;
      }
    }
  }

  /** The gateway's "unknown unit" answer: stop waiting for acks it will not send, say hello again. */
  private unknownUnit(u: McuUnit): void {
    this.counters.unknownAnswers++;
    if (!this.registering.has(u.unit)) {
      let resolve!: (ok: boolean) => void;
      const promise = new Promise<boolean>((r) => (resolve = r));
      const timer = setTimeout(() => {
        this.registering.delete(u.unit);
        resolve(false);
      }, this.opts.registerTimeoutMs ?? 10000);
      timer.unref();
      this.registering.set(u.unit, { promise, resolve, timer });
    }
    this.link?.abandon(u.unit, `the gateway does not know unit ${u.unit}`);
  }

  /** The gateway acked the unit's description: it is registered; abandoned frames go again. */
  private registered(unit: number): void {
    const r = this.registering.get(unit);
    if (!r) return;
    this.registering.delete(unit);
    clearTimeout(r.timer);
    r.resolve(true);
  }

  /** Sends without waiting; a failure (no ack after the retries) is the gateway's problem to notice. */
  private post(unit: number, msg: SerialMessage): void {
    this.send(unit, msg).catch(() => undefined);
  }

  private hello(u: McuUnit): Promise<void> {
    return this.send(u.unit, { kind: 'hello', body: { id: u.id, fw: this.opts.fw ?? '1.0.0', pv: PROTOCOL_VERSION, s: u.sleepy === true, o: offers(u.description) } });
  }

  private onMessage(msg: SerialMessage, unit: number): void {
    const targets = unit === 0xff ? this.units : this.units.filter((u) => u.unit === unit);
    switch (msg.kind) {
      case 'hello':
        if (msg.body === null) {
          this.counters.helloRequests++;
          // Addressed to one unit, it means the gateway did not know that unit (docs: "Unknown units").
          if (unit !== 0xff) for (const u of targets) this.unknownUnit(u);
          for (const u of targets) this.hello(u).catch(() => undefined);
        }
        return;
      case 'time':
        if (msg.body) {
          this.clockOffsetMs = msg.body.t * 1000 + (msg.body.ms ?? 0) - this.uptime();
          this.counters.timeSyncs++;
        }
        return;
      case 'describe':
        if (msg.body === null) {
          for (const u of targets) this.send(u.unit, { kind: 'describe', body: u.description }).then(() => this.registered(u.unit), () => undefined);
        }
        return;
      case 'write':
      case 'invoke':
        return this.command(unit, msg.kind, msg.body);
      case 'provision':
        return this.provision(unit, msg.body);
      default:
        return;
    }
  }

  private command(unit: number, kind: 'write' | 'invoke', body: WriteBody | InvokeBody): void {
    const seen = this.done.get(body.i);
    const cmd: McuCommand = { unit, itemId: body.i, kind, name: body.n, value: body.v, duplicate: seen !== undefined };
    this.commands.push(cmd);
    this.counters.commands++;
    if (seen) {
      // Item ids make delivery idempotent: run once, answer the same result again.
      this.counters.duplicateCommands++;
      this.post(unit, { kind: 'result', body: { i: body.i, ...seen } });
      return;
    }
    let result: { s: number; o?: unknown; e?: string };
    try {
      const o = this.opts.onCommand?.(cmd);
      result = o === undefined ? { s: 0 } : { s: 0, o };
    } catch (err) {
      result = { s: 1, e: (err as Error).message };
    }
    // Stored before the result goes out, so a repeat after a lost result is answered the same.
    this.done.set(body.i, result);
    if (this.done.size > REMEMBERED_ITEMS) this.done.delete(this.done.keys().next().value!);
    this.post(unit, { kind: 'result', body: { i: body.i, ...result } });
  }

  private provision(unit: number, p: ProvisionBody): void {
    const u = this.units.find((x) => x.unit === unit);
    if (!u) {
      this.post(unit, { kind: 'result', body: { i: p.i, s: 2, e: `no unit ${unit}` } });
      return;
    }
    this.counters.provisions++;
    const stored = this.provisioned.get(unit) ?? {};
    if (p.k) stored.key = Buffer.from(p.k);
    if (p.c) stored.config = { ...(stored.config ?? {}), ...p.c };
    this.provisioned.set(unit, stored);
    if (p.id) u.id = p.id;
    this.post(unit, { kind: 'result', body: { i: p.i, s: 0, o: { id: u.id } } });
    // A new identity is announced at once (docs/protocols/serial.md "provision").
    if (p.id) this.hello(u).catch(() => undefined);
  }
}

function offers(d: Description): string[] {
  return [...Object.keys(d.p ?? {}), ...Object.keys(d.a ?? {}), ...Object.keys(d.e ?? {})];
}
