/**
 * One open port: the reliable link and the logical things (units) it carries. One handler per
 * message type behind one switch (docs/protocols/serial.md "Messages"). Every frame is acked only
 * once what it carried is committed (ctx.committed()); telemetry of a unit the gateway does not
 * know is not acked at all, and the unit is asked for hello ("What an acknowledgement means",
 * "Unknown units"). What spans ports (which port a device is on, results awaited, identities
 * remembered across restarts) belongs to the binding, reached through SessionHost. A unit whose
 * device the gateway has not approved is not registered (onboarding, "Onboarding" in
 * docs/protocols/serial.md): its telemetry is neither stored nor acked.
 */
import type { Logger } from 'pino';
import type { BindingContext } from '../../gateway/binding.js';
import { DeviceNotFoundError, QueueFullError, RoostError } from '../../protocols/errors.js';
import { groupReadings, resolveSenml, senmlReadings, type Reading, type SenmlRecord } from '../../protocols/senml/index.js';
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

/** A unit's identity as the binding remembers it across restarts (ctx.store). */
export interface RememberedUnit {
  hello: HelloBody;
  description: Description;
}

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
  /** A result sent by the device at this session and unit. */
  result(body: ResultBody, session: PortSession, unit: number): void;
  /** What the binding remembers of a unit of this port (from before a restart or a replug). */
  recall(path: string, unit: number): RememberedUnit | undefined;
  /** Remembers a registered unit (durable with the next group commit). */
  remember(path: string, unit: number, identity: RememberedUnit): void;
  /** Forgets a unit of this port (it said hello under another id). */
  forget(path: string, unit: number): void;
}

/** Why a frame is not acknowledged: what it carried is not stored. */
class NotStored extends DeviceNotFoundError {}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export class PortSession {
  readonly link: SerialLink;
  readonly units = new Map<number, Unit>();
  private readonly log: Logger;
  private helloTimer: NodeJS.Timeout | null = null;
  private heardHello = false;
  /** When each unknown unit was last asked for hello (at most once per helloTimeoutMs). */
  private readonly askedUnits = new Map<number, number>();
  /** Units whose device is not approved (pending, rejected, revoked), by unit: their device id. */
  private readonly unadmitted = new Map<number, string>();
  closed = false;

  constructor(readonly path: string, private readonly transport: SerialTransport, private readonly host: SessionHost) {
    this.log = host.ctx.logger.child({ port: path });
    this.link = new SerialLink((b) => this.write(b), {
      message: (m, u) => this.handle(m, u),
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

  /** Bytes written to the port that the device has not read yet. */
  get writeBacklogBytes(): number {
    return this.transport.writeBacklogBytes;
  }

  /**
   * A device that keeps sending but stops reading would make the port buffer an ack for every
   * frame it sends, without end: past maxWriteBacklogBytes nothing more is written to it (the link
   * counts writesRefused; the device retransmits what it sent, our sends are retried).
   */
  private write(bytes: Buffer): void {
    const backlog = this.transport.writeBacklogBytes;
    const max = this.host.opts.maxWriteBacklogBytes;
    if (backlog + bytes.length > max) throw new QueueFullError(`${this.path}: ${backlog} bytes not read by the device`, { path: this.path, backlog, maxWriteBacklogBytes: max });
    this.transport.write(bytes);
  }

  close(): void {
    this.closed = true;
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.link.close(`port ${this.path} closed`);
  }

  /**
   * Handles a frame; the link acks it when the returned promise resolves, that is once everything
   * it wrote is committed (group commit), and never when it rejects: then the device sends it again.
   */
  private handle(msg: SerialMessage, unit: number): Promise<void> {
    try {
      this.onMessage(msg, unit);
    } catch (err) {
      if (!(err instanceof NotStored)) this.log.warn({ unit, kind: msg.kind, err: (err as Error).message }, 'frame not handled');
      this.host.counters.framesNotStored++;
      return Promise.reject(err);
    }
    return this.host.ctx.committed().catch((err: Error) => {
      this.host.counters.commitFailures++;
      this.log.warn({ unit, kind: msg.kind, err: err.message }, 'not committed; the frame is not acknowledged');
      throw err;
    });
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
        this.host.result(msg.body, this, unit);
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
    const admission = this.host.ctx.admission(h.id).state;
    if (admission !== 'approved' && admission !== 'unknown') {
      // Known and not approved: not registered; it gets the time, no describe request.
      if (this.units.delete(unit)) this.host.forget(this.path, unit);
      this.refuse(unit, h.id, admission);
      this.sendTime(unit);
      return;
    }
    this.unadmitted.delete(unit);
    // The same device as before (here or remembered from before a restart) keeps its thing.
    const remembered = this.host.recall(this.path, unit)?.hello.id;
    const old = this.units.get(unit) ?? (remembered === h.id ? this.restore(unit) : undefined);
    if (old?.hello.id === h.id) old.hello = h;
    else {
      if (remembered !== undefined) this.host.forget(this.path, unit);
      this.units.set(unit, { unit, hello: h, thingId: null, affordances: new Map() });
    }
    if (admission === 'approved') this.host.claim(h.id, this, unit);
    this.log.info({ unit, id: h.id, fw: h.fw, sleepy: h.s === true }, 'hello');
    // The device boots at 1970: give it the time first, then ask what it offers.
    this.sendTime(unit);
    void this.send(unit, { kind: 'describe', body: null });
  }

  private describe(unit: number, d: Description): void {
    const u = this.unitOf(unit);
    if (!u) return;
    const { ctx, counters } = this.host;
    let admission = ctx.admission(u.hello.id);
    // Onboarding: a device never seen asks for admission with what it says it is.
    if (admission.state === 'unknown') {
      admission = ctx.requestAdmission({ deviceId: u.hello.id, seenAs: `serial hello on ${this.path} unit ${unit}`, claims: { hello: u.hello, description: d } });
    }
    if (admission.state !== 'approved') {
      this.units.delete(unit);
      this.refuse(unit, u.hello.id, admission.state);
      return;
    }
    this.host.claim(u.hello.id, this, unit);
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
    u.affordances = affordancesOf(d);
    // Durable with the same group commit the ack of this frame waits for.
    this.host.remember(this.path, unit, { hello: u.hello, description: d });
    this.uplink(unit);
  }

  /** A unit whose device is not approved: not registered here, counted. */
  private refuse(unit: number, deviceId: string, state: string): void {
    this.unadmitted.set(unit, deviceId);
    if (state === 'pending' || state === 'unknown') this.host.counters.unitsPending++;
    else this.host.counters.unitsRefused++;
    this.log.info({ unit, id: deviceId, admission: state }, 'unit not registered: device not approved');
  }

  /**
   * An admin approved a device: if it is a unit of this port, it is asked for hello (its next
   * contact), which registers it.
   */
  admitted(deviceId: string): void {
    for (const [unit, id] of this.unadmitted) {
      if (id !== deviceId) continue;
      this.unadmitted.delete(unit);
      void this.send(unit, { kind: 'hello', body: null });
    }
  }

  /** An admin rejected or revoked the device of this unit: its registration here goes at once. */
  cutOff(unit: number, deviceId: string): void {
    const u = this.units.get(unit);
    if (u?.hello.id !== deviceId) return;
    this.units.delete(unit);
    this.host.forget(this.path, unit);
    this.unadmitted.set(unit, deviceId);
  }

  private sendTime(unit: number): void {
    const now = this.host.ctx.now();
    this.host.counters.timeSyncs++;
    void this.send(unit, { kind: 'time', body: { t: Math.floor(now / 1000), ms: now % 1000 } });
  }

  private telemetry(unit: number, records: SenmlRecord[]): void {
    const u = this.unitOf(unit);
    // Not stored, so not acknowledged: the device sends the readings again once it is registered.
    if (!u) throw new NotStored(`unit ${unit} is unknown: telemetry not stored`);
    if (!u.thingId) throw new NotStored(`unit ${unit} (${u.hello.id}) is not registered yet: telemetry not stored`);
    const { ctx, counters } = this.host;
    counters.telemetryPacks++;
    let readings: Reading[];
    try {
      readings = senmlReadings(resolveSenml(records, ctx.now() / 1000));
    } catch (err) {
      counters.invalidTelemetry++;
      this.log.debug({ unit, err: (err as RoostError).message }, 'telemetry rejected');
      return;
    }
    // Actions are not readings; the rest as every SenML binding does it (protocols/senml groupReadings).
    const g = groupReadings(readings, u.affordances, (kind) => (kind === 'action' ? undefined : kind === 'event' ? 'event' : 'property'));
    counters.readingsUnknownName += g.unknown;
    counters.readings += g.accepted.length;
    for (const r of g.reports) {
      if (r.kind === 'event') ctx.emitEvent(u.thingId, r.name, r.value, r.ts);
      else ctx.reportProperties(u.thingId, r.values, r.ts);
    }
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

  /**
   * The unit: known on this port, or remembered from before a restart or replug; else undefined
   * after asking it to say hello (the "unknown unit" answer, at most once per helloTimeoutMs).
   */
  private unitOf(unit: number): Unit | undefined {
    let u = this.units.get(unit);
    if (u?.thingId && !this.host.ctx.hasThing(u.thingId)) {
      // Its thing was deleted from the directory: the unit is unknown again, until it registers anew.
      this.units.delete(unit);
      this.host.forget(this.path, unit);
      u = undefined;
    }
    u ??= this.restore(unit);
    if (u) return u;
    this.host.counters.unknownUnit++;
    if (this.unadmitted.has(unit)) this.host.counters.framesUnadmitted++;
    const now = this.host.ctx.now();
    const asked = this.askedUnits.get(unit);
    if (unit !== ALL_UNITS && (asked === undefined || now - asked >= this.host.opts.helloTimeoutMs)) {
      this.askedUnits.set(unit, now);
      void this.send(unit, { kind: 'hello', body: null });
    }
    return undefined;
  }

  /** A unit the binding remembers for this port and whose thing still exists, back in this session. */
  private restore(unit: number): Unit | undefined {
    const r = this.host.recall(this.path, unit);
    if (!r) return undefined;
    const thingId = this.host.ctx.thingId(r.hello.id);
    const admission = this.host.ctx.admission(r.hello.id).state;
    // A device registered before onboarding existed (unknown) is kept; a refused one is not.
    if (!this.host.ctx.hasThing(thingId) || (admission !== 'approved' && admission !== 'unknown')) return undefined;
    const u: Unit = { unit, hello: r.hello, thingId, affordances: affordancesOf(r.description) };
    this.units.set(unit, u);
    this.host.claim(r.hello.id, this, unit);
    this.host.counters.unitsRestored++;
    this.log.info({ unit, id: r.hello.id }, 'unit recognised from before (no hello needed)');
    return u;
  }
}

function affordancesOf(d: Description): Map<string, AffordanceKind> {
  return new Map<string, AffordanceKind>([
    ...Object.entries(d.p ?? {}).map(([n, p]) => [n, p.w ? 'writable' : 'property'] as const),
    ...Object.keys(d.a ?? {}).map((n) => [n, 'action'] as const),
    ...Object.keys(d.e ?? {}).map((n) => [n, 'event'] as const),
  ]);
}

