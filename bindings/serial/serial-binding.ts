/**
 * The serial binding: microcontrollers on UARTs and USB CDC ports speaking the framed CBOR
 * protocol of docs/protocols/serial.md. Ports come from the config or are matched by USB
 * vendor/product id; each is kept open by a PortSupervisor (reconnect with backoff); each open
 * port is a PortSession carrying one or more logical things. Queued writes and actions go out
 * when a unit is heard from; their results come back as `result` messages (the hub owns the result
 * timeout and sends an item again; the device answers a repeated id from its memory). Registered
 * units are remembered in ctx.store, so a device that keeps talking after a restart or a replug is
 * recognised without a new hello.
 */
import type { Admission, Binding, BindingContext, BindingStatus, DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { RoostError } from '../../protocols/errors.js';
import type { ResultBody, SerialMessage } from '../../protocols/serial/serial-messages.js';
import type { PortSession, RememberedUnit, SessionHost } from './port-session.js';
import { PortSupervisor } from './port-supervisor.js';
import { addInto, newCounters, type SerialCounters } from './serial-counters.js';
import { framingOf, type SerialOptions, type UsbMatch } from './serial-options.js';
import { listNativePorts, openNativePort, type PortInfo, type PortLister, type PortOpener } from './serial-transport.js';

/**
 * A delivered item whose result the device has still to send. Kept resultTimeoutMs at most (then
 * forgotten and counted; the hub sends the item again after queue.resultTimeoutMs).
 */
interface AwaitedResult {
  /** The device it went to: only that device's result completes it. */
  deviceId: string;
  timer: NodeJS.Timeout;
  /** The device acked the frame (the hub has seen `delivered`). */
  acked: boolean;
  /** A result that arrived before the ack. */
  early: ResultBody | null;
}

/** Hardware access, replaceable in tests (a lister that knows USB ids for pseudo-terminals). */
export interface SerialDeps {
  open?: PortOpener;
  list?: PortLister;
}

export class SerialBinding implements Binding, SessionHost {
  readonly name = 'serial';
  readonly counters: SerialCounters = newCounters();
  private ctxValue: BindingContext | null = null;
  private readonly supervisors = new Map<string, PortSupervisor>();
  /** Where each device id lives now. */
  private readonly devices = new Map<string, { session: PortSession; unit: number }>();
  private readonly awaiting = new Map<string, AwaitedResult>();
  /** Registered units by port and unit (`<path>#<unit>`), as in ctx.store under `unit:<path>#<unit>`. */
  private readonly identities = new Map<string, RememberedUnit>();
  /** Link counters of sessions that have closed. */
  private readonly closedLinks: Record<string, number> = {};
  private scanTimer: NodeJS.Timeout | null = null;
  private listError: string | null = null;
  private started = false;
  private readonly open: PortOpener;
  private readonly list: PortLister;

  constructor(readonly opts: SerialOptions, deps: SerialDeps = {}) {
    this.open = deps.open ?? openNativePort;
    this.list = deps.list ?? listNativePorts;
  }

  get ctx(): BindingContext {
    if (!this.ctxValue) throw new RoostError('BINDING_UNAVAILABLE', 'serial binding not started');
    return this.ctxValue;
  }

  async start(ctx: BindingContext): Promise<void> {
    if (this.ctxValue !== ctx) ctx.onAdmissionChange((deviceId, a) => this.admissionChanged(deviceId, a));
    this.ctxValue = ctx;
    this.started = true;
    this.identities.clear();
    for (const [key, value] of ctx.store.load()) {
      if (key.startsWith(UNIT_KEY)) this.identities.set(key.slice(UNIT_KEY.length), value as RememberedUnit);
    }
    for (const p of this.opts.ports) this.supervise(p.path, p);
    if (this.opts.usb.length > 0) {
      await this.scan();
      if (this.opts.scanIntervalMs > 0) this.scanTimer = setInterval(() => void this.scan(), this.opts.scanIntervalMs);
    }
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.scanTimer = null;
    await Promise.all([...this.supervisors.values()].map((s) => s.stop()));
    this.supervisors.clear();
    for (const w of this.awaiting.values()) clearTimeout(w.timer);
    this.awaiting.clear();
  }

  status(): BindingStatus {
    const sups = [...this.supervisors.values()];
    const open = sups.filter((s) => s.session);
    const links: Record<string, number> = { ...this.closedLinks };
    let backlog = 0;
    let unread = 0;
    for (const s of open) {
      addInto(links, s.session!.link.counters as unknown as Record<string, number>);
      backlog += s.session!.link.backlog;
      unread += s.session!.writeBacklogBytes;
    }
    const missing = sups.filter((s) => !s.session).map((s) => `${s.path}: ${s.lastError ?? 'opening'}`);
    if (this.listError) missing.push(this.listError);
    const state: BindingStatus['state'] = !this.started ? 'stopped' : open.length > 0 ? 'running' : 'absent';
    const st: BindingStatus = {
      state,
      counters: { ...this.counters, ...links },
      gauges: { portsConfigured: sups.length, portsOpen: open.length, things: this.devices.size, unitsRemembered: this.identities.size, linkBacklog: backlog, writeBacklogBytes: unread, resultsAwaited: this.awaiting.size },
    };
    if (missing.length) st.detail = missing.join('; ');
    else if (sups.length === 0) st.detail = 'no serial port configured or matched';
    return st;
  }

  deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    const at = this.devices.get(item.deviceId);
    const u = at?.session.units.get(at.unit);
    if (!at || !u || at.session.closed || u.hello.id !== item.deviceId) return Promise.resolve({ state: 'retry', reason: 'device not connected' });
    const kind = u.affordances.get(item.name);
    const fits = item.kind === 'write' ? kind === 'writable' : kind === 'action';
    if (!fits) return Promise.resolve({ state: 'failed', error: `device has no ${item.kind === 'write' ? 'writable property' : 'action'} ${item.name}`, code: 'ROOST_ERR_AFFORDANCE_NOT_FOUND' });
    this.counters.deliveries++;
    const msg: SerialMessage = item.kind === 'write'
      ? { kind: 'write', body: { i: item.id, n: item.name, v: item.input } }
      : { kind: 'invoke', body: item.input === undefined ? { i: item.id, n: item.name } : { i: item.id, n: item.name, v: item.input } };
    // Await the result before the ack is seen: a device may answer before our ack timer fires.
    const wait = this.awaitResult(item.id, item.deviceId);
    return at.session.link.send(msg, at.unit).then(
      () => {
        wait.acked = true;
        // A result that beat the ack is handed to the hub after it has seen `delivered`.
        if (wait.early) setImmediate(() => this.finish(item.id, wait.early!));
        return { state: 'delivered' } as const;
      },
      (err: Error) => {
        this.unawait(item.id);
        this.counters.deliveryRetries++;
        return { state: 'retry', reason: err.message } as const;
      },
    );
  }

  // ---- SessionHost

  claim(deviceId: string, session: PortSession, unit: number): void {
    this.devices.set(deviceId, { session, unit });
  }

  result(body: ResultBody, session: PortSession, unit: number): void {
    const wait = this.awaiting.get(body.i);
    const from = wait && this.devices.get(wait.deviceId);
    // Only the device an item went to completes it (ARCHITECTURE.md "The device contract").
    if (!wait || wait.early || from?.session !== session || from.unit !== unit) {
      this.counters.resultsUnknown++;
      return;
    }
    if (!wait.acked) wait.early = body;
    else this.finish(body.i, body);
  }

  recall(path: string, unit: number): RememberedUnit | undefined {
    return this.identities.get(`${path}#${unit}`);
  }

  remember(path: string, unit: number, identity: RememberedUnit): void {
    const key = `${path}#${unit}`;
    // A device lives at one place: an older place of the same id is forgotten.
    for (const [k, v] of this.identities) if (k !== key && v.hello.id === identity.hello.id) this.forget(...splitKey(k));
    if (JSON.stringify(this.identities.get(key)) === JSON.stringify(identity)) return;
    this.identities.set(key, identity);
    this.ctx.store.put(UNIT_KEY + key, identity);
  }

  forget(path: string, unit: number): void {
    const key = `${path}#${unit}`;
    if (this.identities.delete(key)) this.ctx.store.delete(UNIT_KEY + key);
  }

  /**
   * Onboarding: an approved device registers at once if it is on a port (asked for hello); a
   * rejected or revoked one loses its registration at once (docs/protocols/serial.md "Onboarding").
   */
  private admissionChanged(deviceId: string, a: Admission): void {
    const sessions = [...this.supervisors.values()].flatMap((s) => (s.session ? [s.session] : []));
    if (a.state === 'approved') {
      for (const s of sessions) s.admitted(deviceId);
      return;
    }
    if (a.state !== 'rejected' && a.state !== 'revoked') return;
    const at = this.devices.get(deviceId);
    if (at) {
      at.session.cutOff(at.unit, deviceId);
      this.devices.delete(deviceId);
      this.counters.unitsCutOff++;
      const thingId = this.ctx.thingId(deviceId);
      if (this.ctx.hasThing(thingId)) this.ctx.setOnline(thingId, false);
    }
    for (const [k, v] of this.identities) if (v.hello.id === deviceId) this.forget(...splitKey(k));
  }

  private finish(id: string, body: ResultBody): void {
    if (!this.unawait(id)) return;
    this.counters.results++;
    // docs/protocols/serial.md "result": s = 0 is success, anything else a device error code.
    this.ctx.complete(id, body.s === 0
      ? (body.o === undefined ? { state: 'completed' } : { state: 'completed', output: body.o })
      : { state: 'failed', error: `device error ${body.s}${body.e ? `: ${body.e}` : ''}` });
  }

  // ---- ports

  private supervise(path: string, framing: Partial<SerialOptions>): void {
    if (this.supervisors.has(path)) return;
    const sup = new PortSupervisor(path, framingOf(this.opts, framing), {
      open: this.open,
      host: this,
      opened: () => undefined,
      closed: (s) => this.sessionClosed(s),
    });
    this.supervisors.set(path, sup);
    sup.start();
  }

  private sessionClosed(s: PortSession): void {
    addInto(this.closedLinks, s.link.counters as unknown as Record<string, number>);
    for (const [id, at] of this.devices) {
      if (at.session !== s) continue;
      this.devices.delete(id);
      const thingId = this.ctx.thingId(id);
      if (this.ctx.hasThing(thingId)) this.ctx.setOnline(thingId, false);
    }
  }

  /** Lists ports and supervises those matching a configured USB vendor/product id. */
  private async scan(): Promise<void> {
    let ports: PortInfo[];
    try {
      ports = await this.list();
    } catch (err) {
      this.counters.listFailures++;
      const msg = (err as Error).message;
      // Logged once: the same failure every scan interval is noise.
      if (this.listError !== msg) this.ctx.logger.warn({ err: msg }, 'serial port listing failed; configured ports still work');
      this.listError = msg;
      return;
    }
    this.listError = null;
    if (!this.started) return;
    for (const p of ports) {
      const m = this.opts.usb.find((u) => sameId(u.vendorId, p.vendorId) && sameId(u.productId, p.productId));
      if (m && !this.supervisors.has(p.path)) {
        this.ctx.logger.info({ port: p.path, vendorId: p.vendorId, productId: p.productId }, 'USB serial device matched');
        this.supervise(p.path, usbFraming(m));
      }
    }
  }

  private awaitResult(id: string, deviceId: string): AwaitedResult {
    this.unawait(id);
    const wait: AwaitedResult = {
      deviceId,
      acked: false,
      early: null,
      // Bounded memory, not a verdict: the hub's queue.resultTimeoutMs sends the item again.
      timer: setTimeout(() => {
        this.awaiting.delete(id);
        this.counters.resultsForgotten++;
      }, this.opts.resultTimeoutMs),
    };
    wait.timer.unref();
    this.awaiting.set(id, wait);
    return wait;
  }

  private unawait(id: string): boolean {
    const w = this.awaiting.get(id);
    if (!w) return false;
    clearTimeout(w.timer);
    this.awaiting.delete(id);
    return true;
  }
}

/** Key prefix of remembered units in ctx.store. */
const UNIT_KEY = 'unit:';

function splitKey(key: string): [string, number] {
  const cut = key.lastIndexOf('#');
  return [key.slice(0, cut), Number(key.slice(cut + 1))];
}

function sameId(want: string, got: string | undefined): boolean {
  return got !== undefined && parseInt(want, 16) === parseInt(got, 16);
}

function usbFraming(m: UsbMatch): Partial<SerialOptions> {
  const { vendorId: _v, productId: _p, ...framing } = m;
  return framing;
}
