/**
 * The CoAP binding: a resource directory (RFC 9176), telemetry ingest (SenML+CBOR/JSON, CBOR),
 * sleepy delivery piggybacked on the answer to an uplink, requests and Observe towards always-on
 * devices, and observable value resources. Runs on CoapEndpoint (coap-packet), not node-coap's
 * server: see docs/protocols/coap.md "Why not node-coap's server".
 */
import type { Binding, BindingContext, BindingStatus, DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { decodeCbor, encodeCbor } from '../../protocols/cbor.js';
import { BadRequestError, DeviceNotFoundError, RateLimitedError, RoostError, UnsupportedMediaTypeError } from '../../protocols/errors.js';
import { LINK_FORMAT_CONTENT_FORMAT, parseLinkFormat, serializeLinkFormat, type WebLink } from '../../protocols/link-format/link-format.js';
import { CoapEndpoint, type CoapResponse, type Remote } from './coap-endpoint.js';
import { DELETE, GET, POST, PUT, encodeMessage, type CoapMessage } from './coap-message.js';
import type { CoapOptions } from './coap-options.js';
import { affordancesOf, nativeTd } from './native-td.js';
import { ObserverRegistry } from './observers.js';
import { RateLimiter, RegistrationTable, type Registration } from './resource-directory.js';
import { CBOR_CONTENT_FORMAT, affordanceName, decodeTelemetry, type Reading } from './telemetry.js';

const EP_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const COUNTERS = [
  'registrations', 'registrationUpdates', 'deregistrations', 'registrationsExpired', 'registrationsRateLimited', 'registrationsRejected',
  'uplinks', 'readings', 'readingsUnknownName', 'malformedCbor', 'invalidSenml', 'unsupportedFormat', 'unknownEndpoint',
  'notFound', 'piggybacked', 'downlinkRequests', 'downlinkFailures', 'notificationsIn', 'notificationsOut', 'results',
] as const;
type Counter = (typeof COUNTERS)[number];

export class CoapBinding implements Binding {
  readonly name = 'coap';
  private ctx: BindingContext | null = null;
  private endpoint: CoapEndpoint | null = null;
  private address: Remote | null = null;
  private readonly regs = new RegistrationTable();
  private readonly observers: ObserverRegistry;
  private limiter: RateLimiter | null = null;
  private sweep: NodeJS.Timeout | null = null;
  private state: BindingStatus['state'] = 'stopped';
  private detail: string | undefined;
  private readonly counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
  /** Last value of each observable resource `<ep>/<name>` served at /v/<ep>/<name>. */
  private readonly values = new Map<string, unknown>();
  /** Set while an uplink is being answered: deliver() puts the item here instead of sending. */
  private uplink: { thingId: string; item: QueuedItem | null } | null = null;

  constructor(private readonly opts: CoapOptions) {
    this.observers = new ObserverRegistry(opts.maxObservers);
  }

  /** Where the binding listens (after start). */
  get listening(): Remote | null {
    return this.address;
  }

  async start(ctx: BindingContext): Promise<void> {
    this.ctx = ctx;
    this.state = 'starting';
    this.limiter = new RateLimiter(this.opts.registrationsPerMinutePerAddress, ctx.now);
    const ep = new CoapEndpoint({ ...this.opts, now: ctx.now }, (req, from) => this.handle(req, from));
    ep.onReset = (from, mid) => this.observers.removeByMid(from, mid);
    this.endpoint = ep;
    try {
      this.address = await ep.listen();
    } catch (err) {
      this.state = 'error';
      this.detail = `cannot bind udp ${this.opts.host}:${this.opts.port}: ${(err as Error).message}`;
      throw err;
    }
    this.sweep = setInterval(() => this.expire(), this.opts.expirySweepMs);
    this.sweep.unref();
    this.state = 'running';
    ctx.logger.info({ address: this.address }, 'coap binding listening');
  }

  async stop(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    await this.endpoint?.close();
    this.endpoint = null;
    this.regs.clear();
    this.observers.clear();
    this.values.clear();
    this.state = 'stopped';
  }

  status(): BindingStatus {
    const s: BindingStatus = {
      state: this.state,
      counters: { ...this.counters, ...(this.endpoint?.counters ?? {}), observersRejected: this.observers.rejected },
      gauges: { registrations: this.regs.size, observers: this.observers.size, ...(this.endpoint?.gauges() ?? {}) },
    };
    if (this.detail) s.detail = this.detail;
    return s;
  }

  // ---- requests from devices: one handler per resource behind one switch

  private handle(req: CoapMessage, from: Remote): CoapResponse {
    const [top, a, b] = req.uriPath;
    switch (top) {
      case '.well-known':
        if (a === 'core' && req.code === GET) return this.wellKnownCore(req);
        break;
      case 'rd':
        if (a === undefined && req.code === POST) return this.register(req, from);
        if (a !== undefined && b === undefined && req.code === POST) return this.update(req, a, from);
        if (a !== undefined && b === undefined && req.code === DELETE) return this.deregister(a);
        break;
      case 't':
        if (a !== undefined && req.code === POST) return this.telemetry(req, a, from);
        break;
      case 'a':
        if (a !== undefined && b !== undefined && req.code === POST) return this.result(req, a, b, from);
        break;
      case 'v':
        if (a !== undefined && b !== undefined && req.code === GET) return this.value(req, a, b, from);
        break;
    }
    this.counters.notFound++;
    return { code: '4.04' };
  }

  private wellKnownCore(req: CoapMessage): CoapResponse {
    const links: WebLink[] = [
      { href: '/rd', attrs: { rt: 'core.rd', ct: String(LINK_FORMAT_CONTENT_FORMAT) } },
      { href: '/t', attrs: { rt: 'roost.t', ct: '112 110 60' } },
    ];
    for (const r of this.regs.all()) {
      for (const af of r.affordances.values()) if (af.kind !== 'action') links.push({ href: `/v/${r.ep}/${af.name}`, attrs: { obs: true, ct: String(CBOR_CONTENT_FORMAT) } });
    }
    // RFC 6690 §4.1: query filtering on one attribute, `*` as a trailing wildcard.
    const q = req.uriQuery[0]?.split('=');
    const filtered = q && q.length === 2 ? links.filter((l) => matches(q[0] === 'href' ? l.href : l.attrs[q[0]!], q[1]!)) : links;
    return { code: '2.05', contentFormat: LINK_FORMAT_CONTENT_FORMAT, payload: Buffer.from(serializeLinkFormat(filtered)) };
  }

  private register(req: CoapMessage, from: Remote): CoapResponse {
    const ctx = this.need();
    if (!this.limiter!.take(from.address)) {
      this.counters.registrationsRateLimited++;
      throw new RateLimitedError(`too many registrations from ${from.address}`);
    }
    const q = query(req.uriQuery);
    const ep = q.get('ep');
    // RFC 9176 §5.3: "ep" is mandatory; content must be link-format.
    if (!ep || !EP_RE.test(ep)) return this.reject(new BadRequestError('registration needs ep=<endpoint name> ([A-Za-z0-9._-], up to 63)'));
    if (req.contentFormat !== undefined && req.contentFormat !== LINK_FORMAT_CONTENT_FORMAT) {
      return this.reject(new UnsupportedMediaTypeError('registration body must be application/link-format (40)'));
    }
    const lt = q.has('lt') ? Number(q.get('lt')) : this.opts.defaultLifetimeS;
    if (!Number.isInteger(lt) || lt < this.opts.minLifetimeS || lt > this.opts.maxLifetimeS) {
      return this.reject(new BadRequestError(`lt must be an integer in [${this.opts.minLifetimeS}, ${this.opts.maxLifetimeS}]`));
    }
    const old = this.regs.ep(ep);
    if (!old && this.regs.size >= this.opts.maxRegistrations) return this.reject(new RateLimitedError('resource directory is full'));
    const links = parseLinkFormat(req.payload.toString('utf8'), { maxLinks: this.opts.maxLinksPerRegistration });
    const affordances = new Map(affordancesOf(links).map((af) => [af.name, af]));
    // Roost: b=U is an always-on device, b=UQ (the default) a sleepy one (LwM2M queue mode).
    const sleepy = (q.get('b') ?? 'UQ').includes('Q');
    let thingId: string;
    try {
      thingId = ctx.registerThing({ deviceId: ep, nativeTd: nativeTd(ep, from.address, from.port, [...affordances.values()]), sleepy });
    } catch (err) {
      return this.reject(err);
    }
    if (old) this.cancelObservations(old);
    const reg: Registration = {
      ep, id: old?.id ?? this.regs.newId(), thingId, remote: from, sleepy, lifetimeS: lt,
      expiresAt: ctx.now() + lt * 1000, affordances, observations: [],
    };
    this.regs.put(reg);
    this.counters.registrations++;
    if (!sleepy) this.observeDevice(reg);
    // RFC 9176 §5.3: 2.01 Created with the registration resource in Location-Path.
    return { ...this.wake(reg, from), code: '2.01', locationPath: ['rd', reg.id] };
  }

  private reject(err: unknown): never {
    this.counters.registrationsRejected++;
    throw err;
  }

  private update(req: CoapMessage, id: string, from: Remote): CoapResponse {
    const reg = this.regs.id(id);
    // RFC 9176 §5.3.1: an update of an unknown registration is 4.04.
    if (!reg) return this.unknown(id);
    const q = query(req.uriQuery);
    if (q.has('lt')) {
      const lt = Number(q.get('lt'));
      if (!Number.isInteger(lt) || lt < this.opts.minLifetimeS || lt > this.opts.maxLifetimeS) throw new BadRequestError('bad lt');
      reg.lifetimeS = lt;
    }
    reg.expiresAt = this.need().now() + reg.lifetimeS * 1000;
    this.counters.registrationUpdates++;
    return { ...this.wake(reg, from), code: '2.04' };
  }

  private deregister(id: string): CoapResponse {
    const reg = this.regs.id(id);
    if (!reg) return this.unknown(id);
    this.drop(reg);
    this.need().removeThing(reg.thingId);
    this.counters.deregistrations++;
    return { code: '2.02' }; // RFC 9176 §5.3.2
  }

  private telemetry(req: CoapMessage, ep: string, from: Remote): CoapResponse {
    const reg = this.regs.ep(ep);
    if (!reg) return this.unknown(ep);
    let readings: Reading[];
    try {
      readings = decodeTelemetry(req.contentFormat, req.payload, this.need().now(), this.opts.maxSenmlRecords);
    } catch (err) {
      this.countDecodeError(err);
      throw err;
    }
    this.ingest(reg, readings);
    return { ...this.wake(reg, from), code: '2.04' };
  }

  private result(req: CoapMessage, ep: string, itemId: string, from: Remote): CoapResponse {
    const reg = this.regs.ep(ep);
    if (!reg) return this.unknown(ep);
    let body: unknown;
    try {
      body = req.payload.length ? decodeCbor(req.payload) : {};
    } catch (err) {
      this.countDecodeError(err);
      throw err;
    }
    const r = (body ?? {}) as { s?: unknown; o?: unknown; e?: unknown };
    const ctx = this.need();
    if (r.s === 'failed') ctx.complete(itemId, { state: 'failed', error: typeof r.e === 'string' ? r.e : 'device reported failure' });
    else ctx.complete(itemId, r.o === undefined ? { state: 'completed' } : { state: 'completed', output: r.o });
    this.counters.results++;
    return { ...this.wake(reg, from), code: '2.04' };
  }

  private value(req: CoapMessage, ep: string, name: string, from: Remote): CoapResponse {
    const reg = this.regs.ep(ep);
    if (!reg) return this.unknown(ep);
    if (!reg.affordances.has(name)) {
      this.counters.notFound++;
      return { code: '4.04' };
    }
    const resource = `${ep}/${name}`;
    const res: CoapResponse = { code: '2.05', contentFormat: CBOR_CONTENT_FORMAT, payload: encodeCbor(this.values.get(resource) ?? null) };
    if (req.observe === 0 && this.observers.add(resource, from, req.token)) res.observe = this.observers.nextSeq(); // RFC 7641 §3.1
    else if (req.observe === 1) this.observers.remove(resource, from, req.token); // RFC 7641 §3.6
    return res;
  }

  private unknown(what: string): never {
    this.counters.unknownEndpoint++;
    throw new DeviceNotFoundError(`unknown endpoint or registration ${what}`);
  }

  private countDecodeError(err: unknown): void {
    const key = err instanceof RoostError ? err.key : 'INTERNAL';
    if (key === 'CBOR_MALFORMED') this.counters.malformedCbor++;
    else if (key === 'SENML_INVALID') this.counters.invalidSenml++;
    else if (key === 'UNSUPPORTED_MEDIA_TYPE') this.counters.unsupportedFormat++;
  }

  // ---- hot path: readings to the hub, grouped by timestamp

  private ingest(reg: Registration, readings: Reading[]): void {
    const ctx = this.need();
    this.counters.uplinks++;
    let batch: Record<string, unknown> | null = null;
    let batchTs = 0;
    for (const r of readings) {
      const name = affordanceName(r.name, reg.affordances);
      const af = name === undefined ? undefined : reg.affordances.get(name);
      if (!af || name === undefined) {
        this.counters.readingsUnknownName++;
        continue;
      }
      this.counters.readings++;
      if (af.kind === 'event') {
        ctx.emitEvent(reg.thingId, name, r.value, r.ts);
      } else {
        if (batch && batchTs !== r.ts) {
          ctx.reportProperties(reg.thingId, batch, batchTs);
          batch = null;
        }
        batch ??= {};
        batchTs = r.ts;
        batch[name] = r.value;
      }
      this.published(reg.ep, name, r.value);
    }
    if (batch) ctx.reportProperties(reg.thingId, batch, batchTs);
  }

  /** Keeps the value for /v/<ep>/<name> and notifies its observers (RFC 7641 §4.2). */
  private published(ep: string, name: string, value: unknown): void {
    const resource = `${ep}/${name}`;
    if (!this.values.has(resource) && this.observers.of(resource).length === 0 && this.values.size >= this.opts.maxRegistrations * 8) return;
    this.values.set(resource, value);
    const obs = this.observers.of(resource);
    if (obs.length === 0 || !this.endpoint) return;
    const payload = encodeCbor(value);
    const seq = this.observers.nextSeq();
    for (const o of obs) {
      o.lastMid = this.endpoint.nextMessageId();
      this.counters.notificationsOut++;
      // RFC 7641 §4.2: a notification is a 2.05 with the observer's token and an Observe sequence number.
      this.endpoint.send(encodeMessage({ type: 'NON', code: '2.05', mid: o.lastMid, token: o.token, observe: seq, contentFormat: CBOR_CONTENT_FORMAT, payload }), o.remote);
    }
  }

  // ---- sleepy delivery: piggyback on the answer to an uplink

  /** Opens the awake window; the hub hands the first queued item to deliver() synchronously. */
  private wake(reg: Registration, from: Remote): Partial<CoapResponse> {
    const ctx = this.need();
    reg.remote = from;
    reg.expiresAt = Math.max(reg.expiresAt, ctx.now());
    if (!reg.sleepy) {
      ctx.setOnline(reg.thingId, true);
      return {};
    }
    const slot: { thingId: string; item: QueuedItem | null } = { thingId: reg.thingId, item: null };
    this.uplink = slot;
    try {
      ctx.awake(reg.thingId, this.opts.awakeWindowMs);
    } finally {
      this.uplink = null;
    }
    if (!slot.item) return {};
    this.counters.piggybacked++;
    return { contentFormat: CBOR_CONTENT_FORMAT, payload: encodeCbor(downlinkBody(slot.item)) };
  }

  deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    if (this.uplink && this.uplink.thingId === item.thingId && this.uplink.item === null) {
      this.uplink.item = item;
      // The device answers with POST /a/<ep>/<id>: the hub then gets ctx.complete().
      return Promise.resolve({ state: 'delivered' });
    }
    const reg = this.regs.ep(item.deviceId);
    if (!reg) return Promise.resolve({ state: 'retry', reason: 'device not registered' });
    return reg.sleepy ? this.pushToAwake(reg, item) : this.requestDevice(reg, item);
  }

  /** An item queued during the awake window, with no uplink to answer: a request to the device. */
  private async pushToAwake(reg: Registration, item: QueuedItem): Promise<DeliveryOutcome> {
    const ep = this.endpoint;
    if (!ep) return { state: 'retry', reason: 'binding stopped' };
    this.counters.downlinkRequests++;
    try {
      const res = await ep.request(reg.remote, { code: POST, uriPath: ['q', reg.ep], contentFormat: CBOR_CONTENT_FORMAT, payload: encodeCbor(downlinkBody(item)) });
      if (res.code.startsWith('2.')) return { state: 'delivered' };
      return { state: 'retry', reason: `device answered ${res.code}` };
    } catch (err) {
      this.counters.downlinkFailures++;
      return { state: 'retry', reason: (err as Error).message };
    }
  }

  /** Always-on device: the action or write as a request to its resource (POST / PUT). */
  private async requestDevice(reg: Registration, item: QueuedItem): Promise<DeliveryOutcome> {
    const ep = this.endpoint;
    const af = reg.affordances.get(item.name);
    if (!ep) return { state: 'retry', reason: 'binding stopped' };
    if (!af) return { state: 'failed', error: `device has no ${item.name}`, code: 'ROOST_ERR_AFFORDANCE_NOT_FOUND' };
    this.counters.downlinkRequests++;
    try {
      const res = await ep.request(reg.remote, {
        code: item.kind === 'write' ? PUT : POST,
        uriPath: af.path.split('/'),
        contentFormat: CBOR_CONTENT_FORMAT,
        payload: item.input === undefined ? Buffer.alloc(0) : encodeCbor(item.input),
      });
      if (!res.code.startsWith('2.')) {
        this.counters.downlinkFailures++;
        return { state: 'failed', error: `device answered ${res.code} ${res.payload.toString('utf8').slice(0, 100)}`.trim() };
      }
      return res.payload.length ? { state: 'completed', output: decodeCbor(res.payload) } : { state: 'completed' };
    } catch (err) {
      this.counters.downlinkFailures++;
      return { state: 'retry', reason: (err as Error).message };
    }
  }

  async readProperty(thingId: string, name: string): Promise<unknown> {
    const reg = [...this.regs.all()].find((r) => r.thingId === thingId);
    const af = reg?.affordances.get(name);
    if (!reg || !af || !this.endpoint) throw new DeviceNotFoundError(`no registered device with ${name} for ${thingId}`);
    const res = await this.endpoint.request(reg.remote, { code: GET, uriPath: af.path.split('/'), accept: CBOR_CONTENT_FORMAT });
    if (!res.code.startsWith('2.')) throw new DeviceNotFoundError(`device answered ${res.code}`);
    return decodeCbor(res.payload);
  }

  // ---- always-on devices: Observe their observable resources (RFC 7641 §3.1)

  private observeDevice(reg: Registration): void {
    const ep = this.endpoint;
    if (!ep) return;
    for (const af of reg.affordances.values()) {
      if (!af.observable || af.kind === 'action') continue;
      const token = Buffer.from([0x0b, ...Buffer.from(reg.id.padStart(3, '0').slice(-3)), reg.observations.length]);
      reg.observations.push(token);
      ep.request(reg.remote, { code: GET, uriPath: af.path.split('/'), observe: 0 }, (n) => {
        this.counters.notificationsIn++;
        if (this.regs.ep(reg.ep) !== reg || n.payload.length === 0) return;
        try {
          this.ingest(reg, [{ name: af.name, value: decodeCbor(n.payload), ts: this.need().now() }]);
        } catch (err) {
          this.countDecodeError(err);
        }
      }, token).catch(() => {
        this.counters.downlinkFailures++;
      });
    }
  }

  private cancelObservations(reg: Registration): void {
    const ep = this.endpoint;
    if (!ep) return;
    let i = 0;
    for (const af of reg.affordances.values()) {
      if (!af.observable || af.kind === 'action') continue;
      const token = reg.observations[i++];
      if (!token) continue;
      ep.forget(reg.remote, token);
      // RFC 7641 §3.6: deregister with a GET carrying Observe=1 and the same token.
      ep.request(reg.remote, { code: GET, uriPath: af.path.split('/'), observe: 1, type: 'NON' }, undefined, token).catch(() => undefined);
      ep.forget(reg.remote, token);
    }
    reg.observations = [];
  }

  private drop(reg: Registration): void {
    this.cancelObservations(reg);
    this.observers.dropPrefix(`${reg.ep}/`);
    for (const name of reg.affordances.keys()) this.values.delete(`${reg.ep}/${name}`);
    this.regs.delete(reg);
  }

  /** RFC 9176 §5.3: a registration whose lifetime ran out is removed; the thing goes offline. */
  private expire(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    for (const reg of this.regs.expired(ctx.now())) {
      this.drop(reg);
      this.counters.registrationsExpired++;
      if (ctx.hasThing(reg.thingId)) ctx.setOnline(reg.thingId, false);
    }
  }

  private need(): BindingContext {
    if (!this.ctx) throw new RoostError('BINDING_UNAVAILABLE', 'coap binding not started');
    return this.ctx;
  }
}

function query(parts: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of parts) {
    const i = p.indexOf('=');
    m.set(i < 0 ? p : p.slice(0, i), i < 0 ? '' : p.slice(i + 1));
  }
  return m;
}

function matches(value: string | true | undefined, pattern: string): boolean {
  if (typeof value !== 'string') return false;
  const words = value.split(' ');
  return pattern.endsWith('*') ? words.some((w) => w.startsWith(pattern.slice(0, -1))) : words.includes(pattern) || value === pattern;
}

/** The downlink body a device gets (docs/protocols/coap.md "Sleepy delivery"). */
export function downlinkBody(item: QueuedItem): Record<string, unknown> {
  const body: Record<string, unknown> = { i: item.id, k: item.kind === 'write' ? 'w' : 'a', n: item.name };
  if (item.input !== undefined) body['v'] = item.input;
  return body;
}
