/**
 * One open port: the reliable link and the logical things (units) it carries. One handler per
 * message type behind one switch (docs/protocols/serial.md "Messages"). What spans ports (which
 * port a device is on, results awaited) belongs to the binding, reached through SessionHost.
 */
import type { Logger } from 'pino';
import type { BindingContext } from '../../gateway/binding.js';
import { RoostError } from '../../protocols/errors.js';
import { resolveSenml, resolvedValue, type SenmlRecord } from '../../protocols/senml/index.js';
import type { Description } from '../../protocols/serial/serial-describe.js';
import { SerialLink } from '../../protocols/serial/serial-link.js';
import { DEVICE_ID_RE, PROTOCOL_VERSION, type HelloBody, type LogBody, type ResultBody, type SerialMessage } from '../../protocols/serial/serial-messages.js';
import { nativeTd } from './native-td.js';
import type { SerialCounters } from './serial-counters.js';
import type { SerialOptions } from './serial-options.js';
import type { SerialTransport } from './serial-transport.js';

/** Unit number that addresses every unit of a port (hello request). */
export const ALL_UNITS = 0xff;

type AffordanceKind = 'property' | 'writable' | 'action' | 'event';

/** One logical thing on the port. `thingId` is set once its description registered it. */
export interface Unit {
  unit: number;
  hello: HelloBody;
  thingId: string | null;
  affordances: Map<string, AffordanceKind>;
}

export interface SessionHost {
  readonly ctx: BindingContext;
  readonly opts: SerialOptions;
  readonly counters: SerialCounters;
  /** The device now lives at this session and unit. */
  claim(deviceId: string, session: PortSession, unit: number): void;
  result(body: ResultBody): void;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export class PortSession {
  readonly link: SerialLink;
  readonly units = new Map<number, Unit>();
  private readonly log: Logger;
  private helloTimer: NodeJS.Timeout | null = null;
  private heardHello = false;
  private readonly askedUnits = new Set<number>();
  closed = false;

  constructor(readonly path: string, private readonly transport: SerialTransport, private readonly host: SessionHost) {
    this.log = host.ctx.logger.child({ port: path });
    this.link = new SerialLink((b) => transport.write(b), {
      message: (m, u) => this.onMessage(m, u),
      drop: (why, err) => this.log.debug({ why, err: err?.message }, 'frame dropped'),
    }, host.opts);
    transport.on('data', (chunk) => this.link.feed(chunk));
  }

  /** Asks every unit for hello, again every helloTimeoutMs until one answers. */
  start(): void {
    const ask = () => {
      if (this.heardHello || this.closed) return;
      this.send(ALL_UNITS, { kind: 'hello', body: null });
      this.helloTimer = setTimeout(ask, this.host.opts.helloTimeoutMs);
    };
    ask();
  }

  /** Sends one message reliably; logs (does not throw) when the device does not ack. */
  send(unit: number, msg: SerialMessage): Promise<boolean> {
    return this.link.send(msg, unit).then(() => true, (err: Error) => {
      this.log.debug({ unit, kind: msg.kind, err: err.message }, 'frame not acknowledged');
      return false;
    });
  }

  close(): void {
    this.closed = true;
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.link.close(`port ${this.path} closed`);
  }

  private onMessage(msg: SerialMessage, unit: number): void {
    switch (msg.kind) {
      case 'hello':
        if (msg.body) return this.hello(unit, msg.body);
        break;
      case 'describe':
        if (msg.body) return this.describe(unit, msg.body);
        break;
      case 'time':
        if (msg.body === null) return this.sendTime(unit);
        break;
      case 'telemetry':
        return this.telemetry(unit, msg.records);
      case 'result':
        this.host.result(msg.body);
        return this.uplink(unit);
      case 'sleep':
        return this.sleep(unit);
      case 'wake':
        this.host.counters.wakes++;
        if (this.unitOf(unit)) this.uplink(unit);
        return;
      case 'log':
        return this.logLine(unit, msg.body);
    }
    this.host.counters.unexpectedMessages++;
  }

  private hello(unit: number, h: HelloBody): void {
    const { counters, opts } = this.host;
    this.heardHello = true;
    // docs/protocols/serial.md "hello": id syntax, protocol version, units per port.
    const problem = !DEVICE_ID_RE.test(h.id) ? 'bad device id'
      : h.pv !== PROTOCOL_VERSION ? `protocol version ${h.pv} not supported (speaks ${PROTOCOL_VERSION})`
      : unit === ALL_UNITS ? 'unit 255 is reserved'
      : !this.units.has(unit) && this.units.size >= opts.maxUnitsPerPort ? `more than ${opts.maxUnitsPerPort} units` : null;
    if (problem) {
      counters.helloRejected++;
      this.log.warn({ unit, id: h.id, problem }, 'hello rejected');
      return;
    }
    counters.hellos++;
    this.askedUnits.delete(unit);
    const old = this.units.get(unit);
    this.units.set(unit, { unit, hello: h, thingId: old?.hello.id === h.id ? old.thingId : null, affordances: old?.hello.id === h.id ? old.affordances : new Map() });
    this.host.claim(h.id, this, unit);
    this.log.info({ unit, id: h.id, fw: h.fw, sleepy: h.s === true }, 'hello');
    // The device boots at 1970: give it the time first, then ask what it offers.
    this.sendTime(unit);
    void this.send(unit, { kind: 'describe', body: null });
  }

  private describe(unit: number, d: Description): void {
    const u = this.unitOf(unit);
    if (!u) return;
    const { ctx, counters } = this.host;
    let thingId: string;
    try {
      thingId = ctx.registerThing({ deviceId: u.hello.id, nativeTd: nativeTd(this.path, u.hello, d), sleepy: u.hello.s === true });
    } catch (err) {
      counters.thingsRejected++;
      this.log.warn({ unit, id: u.hello.id, err: (err as Error).message }, 'description rejected');
      return;
    }
    counters.describes++;
    u.thingId = thingId;
    u.affordances = new Map<string, AffordanceKind>([
      ...Object.entries(d.p ?? {}).map(([n, p]) => [n, p.w ? 'writable' : 'property'] as const),
      ...Object.keys(d.a ?? {}).map((n) => [n, 'action'] as const),
      ...Object.keys(d.e ?? {}).map((n) => [n, 'event'] as const),
    ]);
    this.uplink(unit);
  }

  private sendTime(unit: number): void {
    const now = this.host.ctx.now();
    this.host.counters.timeSyncs++;
    void this.send(unit, { kind: 'time', body: { t: Math.floor(now / 1000), ms: now % 1000 } });
  }

  private telemetry(unit: number, records: SenmlRecord[]): void {
    const u = this.unitOf(unit);
    if (!u?.thingId) return;
    const { ctx, counters } = this.host;
    counters.telemetryPacks++;
    let readings;
    try {
      readings = resolveSenml(records, ctx.now() / 1000);
    } catch (err) {
      counters.invalidTelemetry++;
      this.log.debug({ unit, err: (err as RoostError).message }, 'telemetry rejected');
      return;
    }
    let batch: Record<string, unknown> | null = null;
    let batchTs = 0;
    for (const r of readings) {
      const name = affordanceName(r.n, u.affordances);
      const kind = name === undefined ? undefined : u.affordances.get(name);
      if (name === undefined || kind === undefined || kind === 'action') {
        counters.readingsUnknownName++;
        continue;
      }
      counters.readings++;
      const v = resolvedValue(r);
      // Byte values go to the twin as base64url text (JSON-safe), as SenML+JSON carries them.
      const value = v instanceof Uint8Array ? Buffer.from(v).toString('base64url') : v;
      const ts = Math.round(r.t * 1000);
      if (kind === 'event') {
        ctx.emitEvent(u.thingId, name, value, ts);
        continue;
      }
      if (batch && batchTs !== ts) {
        ctx.reportProperties(u.thingId, batch, batchTs);
        batch = null;
      }
      batch ??= {};
      batchTs = ts;
      batch[name] = value;
    }
    if (batch) ctx.reportProperties(u.thingId, batch, batchTs);
    this.uplink(unit);
  }

  private sleep(unit: number): void {
    const u = this.unitOf(unit);
    if (!u?.thingId) return;
    this.host.counters.sleeps++;
    this.host.ctx.asleep(u.thingId);
  }

  private logLine(unit: number, body: LogBody): void {
    this.host.counters.logLines++;
    const level = LOG_LEVELS[Math.min(body.l, 3)]!;
    this.log[level]({ unit, device: this.units.get(unit)?.hello.id, deviceLog: true }, body.m);
  }

  /** Any uplink: the unit is awake; the hub hands it what is queued (deliver() runs synchronously). */
  private uplink(unit: number): void {
    const u = this.units.get(unit);
    if (!u?.thingId || !this.host.ctx.hasThing(u.thingId)) return;
    this.host.ctx.awake(u.thingId, this.host.opts.awakeWindowMs);
  }

  /** The unit, or undefined after asking it (once) to say hello: the gateway reopened the port or missed it. */
  private unitOf(unit: number): Unit | undefined {
    const u = this.units.get(unit);
    if (u) return u;
    this.host.counters.unknownUnit++;
    if (unit !== ALL_UNITS && !this.askedUnits.has(unit)) {
      this.askedUnits.add(unit);
      void this.send(unit, { kind: 'hello', body: null });
    }
    return undefined;
  }
}

/** A SenML record name to an affordance: by full name, else by its last `/` or `:` segment. */
export function affordanceName(name: string, known: ReadonlyMap<string, unknown>): string | undefined {
  if (known.has(name)) return name;
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf(':'));
  const short = name.slice(cut + 1);
  return cut >= 0 && known.has(short) ? short : undefined;
}
