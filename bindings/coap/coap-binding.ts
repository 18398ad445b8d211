/**
 * The CoAP binding: a resource directory (RFC 9176), telemetry ingest (SenML+CBOR/JSON, CBOR),
 * sleepy delivery piggybacked on the answer to an uplink, requests and Observe towards always-on
 * devices, and observable value resources. Runs on CoapEndpoint, not node-coap's server: see
 * docs/protocols/coap.md "Why not node-coap's server". This class owns the lifecycle and the one
 * switch from resource to handler (handlers/); the handlers share a CoapState.
 */
import type { Binding, BindingContext, BindingStatus, DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { decodeCborJson } from '../../protocols/cbor.js';
import { CoapEndpoint, type CoapResponse, type Remote } from './coap-endpoint.js';
import { DELETE, GET, POST, type CoapMessage } from './coap-message.js';
import type { CoapOptions } from './coap-options.js';
import { countDecodeError, newCounters, unknownEndpoint, type CoapState } from './coap-state.js';
import { observeDevice, readFromDevice, requestDevice } from './device-requests.js';
import { deregister, dropRegistration, expireRegistrations, register, update } from './handlers/registration.js';
import { ingest, result, telemetry } from './handlers/uplink.js';
import { wellKnownCore } from './handlers/well-known-core.js';
import { nativeTd } from './native-td.js';
import { serveSecured } from './oscore-layer.js';
import { RateLimiter, RegistrationTable, type Registration } from './resource-directory.js';
import { RdMulticast } from './rd-multicast.js';
import { Lwm2mServer } from './lwm2m/lwm2m-server.js';
import { loadRegistrations, NEXT_ID_KEY } from './registration-store.js';
import { SecurityContexts } from './security-contexts.js';
import { EdhocService } from './edhoc/edhoc-service.js';
import type { GatewayCredentialInfo } from './edhoc/gateway-identity.js';
import { pushToAwake } from './sleepy-delivery.js';
import { ValueResources } from './value-resources.js';

export { downlinkBody } from './sleepy-delivery.js';

export class CoapBinding implements Binding {
  readonly name = 'coap';
  private readonly s: CoapState;
  private address: Remote | null = null;
  private sweep: NodeJS.Timeout | null = null;
  private state: BindingStatus['state'] = 'stopped';
  private detail: string | undefined;
  private readonly lwm2m: Lwm2mServer;
  private multicast: RdMulticast | null = null;

  constructor(private readonly opts: CoapOptions) {
    this.s = {
      opts,
      regs: new RegistrationTable(),
      values: new ValueResources({
        maxObservers: opts.maxObservers, maxObserversPerAddress: opts.maxObserversPerAddress,
        maxNotificationsPerSecondPerObserver: opts.maxNotificationsPerSecondPerObserver, maxValues: opts.maxRegistrations * 8,
      }),
      counters: newCounters(),
      ctx: null,
      endpoint: null,
      limiter: null,
      contexts: null,
    };
    this.lwm2m = new Lwm2mServer(this.s, () => this.address);
    this.s.ownerOf = (req, from) => this.lwm2m.owner(req, from);
  }

  /** Where the binding listens (after start). */
  get listening(): Remote | null {
    return this.address;
  }

  async start(ctx: BindingContext): Promise<void> {
    const s = this.s;
    s.ctx = ctx;
    this.state = 'starting';
    s.limiter = new RateLimiter(this.opts.registrationsPerMinutePerAddress, ctx.now);
    s.contexts = new SecurityContexts(ctx, this.opts.oscoreSequenceBlock);
    ctx.onAdmissionChange((deviceId, a) => this.admissionChanged(deviceId, a.state));
    // EDHOC enrolment (docs/protocols/coap.md "Enrolment with EDHOC") needs OSCORE: off with security none.
    s.edhoc = this.opts.security === 'none' ? null : await EdhocService.start(s, ctx, this.opts);
    const ep = new CoapEndpoint({ ...this.opts, now: ctx.now, reuseAddr: this.opts.multicast }, (req, from) => serveSecured(s, req, from, (r, f) => this.handle(r, f)));
    ep.onReset = (from, mid) => s.values.reset(from, mid);
    s.endpoint = ep;
    try {
      this.address = await ep.listen();
    } catch (err) {
      this.state = 'error';
      this.detail = `cannot bind udp ${this.opts.host}:${this.opts.port}: ${(err as Error).message}`;
      throw err;
    }
    if (this.opts.multicast) await this.startMulticast(ctx, ep);
    const restored = this.restore(ctx) + this.lwm2m.start(ctx);
    this.sweep = setInterval(() => expireRegistrations(s), this.opts.expirySweepMs);
    this.sweep.unref();
    this.state = 'running';
    ctx.logger.info({ address: this.address, restoredRegistrations: restored }, 'coap binding listening');
  }

  /** RFC 9176 §4: the directory found by multicast (rd-multicast.ts); a failure to join is logged, CoAP runs on. */
  private async startMulticast(ctx: BindingContext, ep: CoapEndpoint): Promise<void> {
    const o = this.opts;
    this.multicast = new RdMulticast({
      port: this.address!.port, host: o.host, interfaces: o.multicastInterfaces, leisureMs: o.multicastLeisureMs,
      maxPendingAnswers: o.multicastMaxPendingAnswers, rescanMs: o.multicastRescanMs, unicastSocket: ep.udpSocket,
      onError: (what, err) => ctx.logger.warn({ err: err.message }, `coap multicast: cannot ${what}`),
    });
    await this.multicast.start();
    ctx.logger.info({ groups: this.multicast.memberships }, 'coap multicast discovery of the resource directory');
  }

  /**
   * Registrations from the durable store: each device is known again with its location id, lifetime
   * (still counting) and address; the hub learns its delivery mode again; always-on devices are
   * observed again. Expired ones go at the first sweep, as if the gateway had never stopped.
   */
  private restore(ctx: BindingContext): number {
    const { regs, broken } = loadRegistrations(ctx.store);
    const next = ctx.store.load().get(NEXT_ID_KEY);
    if (typeof next === 'number') this.s.regs.seed(next);
    for (const ep of broken) ctx.store.delete(ep);
    let n = 0;
    for (const reg of regs) {
      const state = ctx.admission(reg.ep).state;
      if (!ctx.hasThing(reg.thingId) || state === 'rejected' || state === 'revoked') {
        ctx.store.delete(reg.ep);
        continue;
      }
      ctx.registerThing({ deviceId: reg.ep, nativeTd: nativeTd(reg.ep, reg.remote.address, reg.remote.port, [...reg.affordances.values()]), sleepy: reg.sleepy, push: reg.push });
      this.s.regs.put(reg);
      this.registered(reg);
      n++;
    }
    return n;
  }

  /**
   * A device rejected or revoked loses its registration at once (its next uplink gets 4.04, its
   * registration then 4.03) and its context; an approved one registers at its next wake.
   */
  private admissionChanged(deviceId: string, state: string): void {
    const s = this.s;
    s.contexts?.forget(deviceId);
    this.lwm2m.admissionChanged(deviceId, state);
    if (state !== 'rejected' && state !== 'revoked') return;
    const reg = s.regs.ep(deviceId);
    if (!reg) return;
    dropRegistration(s, reg);
    if (s.ctx?.hasThing(reg.thingId)) s.ctx.setOnline(reg.thingId, false);
  }

  async stop(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    this.lwm2m.stop();
    await this.multicast?.stop();
    this.multicast = null;
    await this.s.endpoint?.close();
    this.s.endpoint = null;
    this.s.regs.clear();
    this.s.values.clear();
    this.state = 'stopped';
  }

  status(): BindingStatus {
    const { counters, endpoint, regs, values } = this.s;
    const edhoc = this.s.edhoc?.metrics();
    const s: BindingStatus = {
      state: this.state,
      counters: { ...counters, ...this.lwm2m.counters, notificationsOut: values.notificationsOut, ...(endpoint?.counters ?? {}), observersRejected: values.observersRejected,
        observersRejectedPerAddress: values.observersRejectedPerAddress, notificationsDeferred: values.notificationsDeferred, notificationsSkipped: values.notificationsSkipped, ...edhoc?.counters,
        ...this.multicast?.counters },
      gauges: { registrations: regs.size, lwm2mRegistrations: this.lwm2m.regs.size, observers: values.observerCount, ...(endpoint?.gauges() ?? {}), ...edhoc?.gauges,
        ...(this.multicast ? { multicastGroups: this.multicast.memberships } : {}) },
    };
    if (this.detail) s.detail = this.detail;
    return s;
  }

  /** Requests from devices: one handler per resource behind one switch. */
  private handle(req: CoapMessage, from: Remote): CoapResponse | Promise<CoapResponse> {
    const s = this.s;
    const lwm2m = this.lwm2m.route(req, from);
    if (lwm2m) return lwm2m;
    const [top, a, b] = req.uriPath;
    switch (top) {
      case 't':
        if (a !== undefined && req.code === POST) return telemetry(s, req, a, from);
        break;
      case 'rd':
        if (a === undefined && req.code === POST) {
          return register(s, req, from, (reg) => {
            this.lwm2m.replaced(reg.ep);
            this.registered(reg);
          });
        }
        if (a !== undefined && b === undefined && req.code === POST) return update(s, req, a, from);
        if (a !== undefined && b === undefined && req.code === DELETE) return deregister(s, a);
        break;
      case 'a':
        if (a !== undefined && b !== undefined && req.code === POST) return result(s, req, a, b, from);
        break;
      case 'v':
        if (a !== undefined && b !== undefined && req.code === GET) return this.value(req, a, b, from);
        break;
      case '.well-known':
        if (a === 'core' && req.code === GET) return wellKnownCore(s, req);
        break;
    }
    s.counters.notFound++;
    return { code: '4.04' };
  }

  private value(req: CoapMessage, ep: string, name: string, from: Remote): CoapResponse {
    const reg = this.s.regs.ep(ep);
    if (!reg) return unknownEndpoint(this.s, ep);
    if (!reg.affordances.has(name)) {
      this.s.counters.notFound++;
      return { code: '4.04' };
    }
    return this.s.values.serve(req, ep, name, from);
  }

  /** An always-on device's observable resources are observed as soon as it registers (RFC 7641 §3.1). */
  private registered(reg: Registration): void {
    // Observe is not protected yet: a device with a security context reports by POST /t/ instead.
    if (reg.sleepy || (this.opts.security !== 'none' && this.s.contexts?.hasContext(reg.ep))) return;
    observeDevice(this.s, reg, (r, name, n) => {
      if (this.s.regs.ep(r.ep) !== r || n.payload.length === 0) return;
      try {
        ingest(this.s, r, [{ name, value: decodeCborJson(n.payload), ts: this.s.ctx!.now() }]);
      } catch (err) {
        countDecodeError(this.s, err);
      }
    });
  }

  /**
   * Items the hub pushes: requests to an always-on device, or POST /q/<ep> to an awake sleepy one
   * that serves it. Items for other sleepy devices ride in answers to their uplinks (ctx.take()).
   */
  deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    if (this.lwm2m.has(item.deviceId)) return this.lwm2m.deliver(item);
    const reg = this.s.regs.ep(item.deviceId);
    if (!reg) return Promise.resolve({ state: 'retry', reason: 'device not registered' });
    return reg.sleepy ? pushToAwake(this.s, reg, item) : requestDevice(this.s, reg, item);
  }

  /** The gateway's EDHOC credentials with their fingerprints (empty with security none). */
  edhocIdentity(): readonly GatewayCredentialInfo[] {
    return this.s.edhoc?.credentials() ?? [];
  }

  /**
   * Runs EDHOC as Initiator towards a registered always-on device approved with its public key;
   * its OSCORE context is replaced by the new one (method 3 and suite 2 unless told).
   */
  async enrolDevice(deviceId: string, method?: number, suites?: readonly number[]): Promise<void> {
    const reg = this.s.regs.ep(deviceId);
    if (!this.s.edhoc) throw new Error('EDHOC is off (bindings.coap.security none)');
    if (!reg) throw new Error(`device ${deviceId} is not registered`);
    await this.s.edhoc.enrol(this.s, deviceId, reg.remote, method, suites);
  }

  async readProperty(thingId: string, name: string): Promise<unknown> {
    const lw = await this.lwm2m.readProperty(thingId, name);
    return lw ? lw.value : readFromDevice(this.s, thingId, name);
  }
}
