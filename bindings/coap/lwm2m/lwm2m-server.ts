/**
 * The LwM2M server side of the CoAP binding (docs/protocols/lwm2m.md "Roost as LwM2M server"):
 * the registration interface on the binding's resource directory (Register `POST /rd?lwm2m=..`,
 * Update `POST /rd/lw-<n>`, De-register `DELETE /rd/lw-<n>`, TS Core §6.2), Send (`POST /dp`,
 * §6.4.4), the firmware images devices pull (`GET /fw/<id>`), each device as one thing whose
 * queued items go out as LwM2M requests while it is awake, and the observations the gateway keeps.
 *
 * Queue Mode (§6.5): every uplink (Register, Update, Send, a notification) opens the device's
 * awake window (`lwm2mAwakeWindowMs`, MAX_TRANSMIT_WAIT = 93 s by default) once its answer has
 * left; the hub then hands over its queued items one at a time, each awaited (`push: true`).
 */
import { join } from 'node:path';
import type { BindingContext, DeliveryOutcome, QueuedItem } from '../../../gateway/binding.js';
import { BadRequestError, RateLimitedError, UnsupportedMediaTypeError } from '../../../protocols/errors.js';
import { LINK_FORMAT_CONTENT_FORMAT } from '../../../protocols/link-format/link-format.js';
import {
  BUILTIN_OBJECTS, CONTENT_FORMAT, decodeLwm2mContent, modelsOf, parseRegister, parseRegistrationLinks, parseRegistrationQuery,
  type ObjectModels, type ResourceValue,
} from '../../../protocols/lwm2m/index.js';
import type { CoapResponse, Remote } from '../coap-endpoint.js';
import { DELETE, GET, POST, type CoapMessage } from '../coap-message.js';
import { need, unknownEndpoint, type CoapState } from '../coap-state.js';
import { admit, dropRegistration, query } from '../handlers/registration.js';
import { afterCommit } from '../sleepy-delivery.js';
import { FirmwareJobs, type FirmwareJob } from './firmware-jobs.js';
import { FirmwarePackages, packageUri } from './firmware-packages.js';
import { loadObjectFiles } from './object-files.js';
import { deliverOperation } from './lwm2m-operations.js';
import { forgetLwm2m, loadLwm2m, LOCATION_PREFIX, LWM2M_NEXT_KEY, Lwm2mRegistrations, saveLwm2m, type Lwm2mRegistration } from './lwm2m-registrations.js';
import { Lwm2mObservations, observedPaths } from './lwm2m-observations.js';
import { Lwm2mRequests } from './lwm2m-requests.js';
import { buildThing, PROGRESS_PROPERTY, toProperties, type Lwm2mThing } from './lwm2m-things.js';


export const LWM2M_COUNTERS = [
  'lwm2mRegistrations', 'lwm2mUpdates', 'lwm2mDeregistrations', 'lwm2mExpired', 'lwm2mSends', 'lwm2mNotifications',
  'lwm2mValuesUnknown', 'lwm2mObjectFilesRejected', 'lwm2mPackagesServed', 'lwm2mReplaced', 'lwm2mThingGone', 'lwm2mWakeFailures',
] as const;

export class Lwm2mServer {
  readonly regs = new Lwm2mRegistrations();
  readonly counters = Object.fromEntries(LWM2M_COUNTERS.map((c) => [c, 0])) as Record<(typeof LWM2M_COUNTERS)[number], number>;
  private readonly things = new Map<string, Lwm2mThing>();
  private readonly awakeUntil = new Map<string, number>();
  private models: ObjectModels = modelsOf(BUILTIN_OBJECTS);
  private requests!: Lwm2mRequests;
  private firmware!: FirmwareJobs;
  private observations!: Lwm2mObservations;
  private packages!: FirmwarePackages;
  private sweep: NodeJS.Timeout | null = null;

  constructor(private readonly s: CoapState, private readonly listening: () => Remote | null) {}

  start(ctx: BindingContext): number {
    const o = this.s.opts;
    this.models = modelsOf(BUILTIN_OBJECTS, loadObjectFiles(o.lwm2mObjectsDir || join(ctx.dataDir, 'lwm2m', 'objects'), (file, err) => {
      this.counters.lwm2mObjectFilesRejected++;
      ctx.logger.warn({ file, err: err.message }, 'lwm2m object file rejected');
    }));
    this.requests = new Lwm2mRequests(() => this.s.endpoint, this.models, o.blockSizeBytes, ctx.now);
    this.packages = new FirmwarePackages(o.lwm2mFirmwareDir || join(ctx.dataDir, 'firmware'), o.lwm2mMaxPackageBytes);
    this.firmware = new FirmwareJobs({
      store: ctx.store, committed: () => ctx.committed(), requests: this.requests, packages: this.packages,
      packageUri: (id) => packageUri(id, this.s.opts.lwm2mPackageBaseUri, this.listening(), this.s.opts.port), progress: (reg, job) => this.progress(reg, job),
      awake: (reg) => !reg.queueMode || (this.awakeUntil.get(reg.ep) ?? 0) > ctx.now(), now: ctx.now, pollMs: o.lwm2mFirmwarePollMs,
    });
    this.observations = new Lwm2mObservations({
      requests: this.requests, forget: (remote, token) => this.s.endpoint?.forget(remote, token), save: (reg) => saveLwm2m(ctx.store, reg),
      report: (reg, values) => this.report(reg, values), notified: (reg, path, n) => this.notified(reg, path, n),
    });
    const restored = this.restore(ctx);
    this.sweep = setInterval(() => this.expire(), o.expirySweepMs);
    this.sweep.unref();
    return restored;
  }

  stop(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    this.regs.clear();
    this.things.clear();
  }

  /** Operator object files (OMA registry XML) dropped into the objects folder; a bad file is logged and skipped. */
  has(deviceId: string): boolean {
    return this.regs.ep(deviceId) !== undefined;
  }

  /** Roost's own directory registered `ep` (RFC 9176 §5.3): its LwM2M registration, if any, is replaced. */
  replaced(ep: string): void {
    const reg = this.regs.ep(ep);
    if (!reg) return;
    this.drop(reg);
    this.counters.lwm2mReplaced++;
  }

  /**
   * The registration at `id` while its thing exists. A thing removed behind the server's back (an
   * admin's DELETE /things/{id}) takes its registration with it: the device gets 4.04 and registers
   * again, which makes the thing anew.
   */
  private live(ctx: BindingContext, reg: Lwm2mRegistration | undefined): Lwm2mRegistration | undefined {
    if (!reg || ctx.hasThing(reg.thingId)) return reg;
    this.drop(reg);
    this.counters.lwm2mThingGone++;
    return undefined;
  }

  /**
   * The endpoint whose registration a request acts on: an Update or De-register of `/rd/lw-<n>`,
   * or a Send, which is matched by its source address (coap-state.ts `ownerOf`).
   */
  owner(req: CoapMessage, from: Remote): string | undefined {
    const [top, a, b] = req.uriPath;
    if (top === 'rd' && a !== undefined && b === undefined && a.startsWith(LOCATION_PREFIX)) return this.regs.id(a)?.ep;
    if (top === 'dp' && a === undefined) return this.regs.at(from)?.ep;
    return undefined;
  }

  /** The LwM2M resources of the binding; undefined hands the request to the Roost handlers. */
  route(req: CoapMessage, from: Remote): CoapResponse | Promise<CoapResponse> | undefined {
    const [top, a, b] = req.uriPath;
    if (top === 'rd' && a === undefined && req.code === POST && isLwm2mRegister(req)) return this.register(req, from);
    if (top === 'rd' && a !== undefined && b === undefined && a.startsWith(LOCATION_PREFIX)) {
      if (req.code === POST) return this.update(req, a, from);
      if (req.code === DELETE) return this.deregister(a);
    }
    if (top === 'dp' && a === undefined && req.code === POST) return this.send(req, from);
    if (top === 'fw' && a !== undefined && b === undefined && req.code === GET) return this.servePackage(a, from);
    return undefined;
  }

  private lifetime(raw: number | undefined): number {
    const o = this.s.opts;
    const lt = raw ?? o.lwm2mDefaultLifetimeS;
    if (lt < o.minLifetimeS || lt > o.maxLifetimeS) throw new BadRequestError(`lt must be in [${o.minLifetimeS}, ${o.maxLifetimeS}]`);
    return lt;
  }

  /** TS Core §6.2.1 Register: version negotiation (4.12 for what Roost does not speak), Queue Mode, objects. */
  private register(req: CoapMessage, from: Remote): Promise<CoapResponse> {
    const s = this.s;
    const ctx = need(s);
    if (!s.limiter!.take(from.address)) {
      s.counters.registrationsRateLimited++;
      throw new RateLimitedError(`too many registrations from ${from.address}`);
    }
    if (req.contentFormat !== undefined && req.contentFormat !== LINK_FORMAT_CONTENT_FORMAT) {
      throw new UnsupportedMediaTypeError('registration body must be application/link-format (40)');
    }
    const body = req.payload.toString('utf8');
    const p = parseRegister(req.uriQuery, body);
    const lt = this.lifetime(p.lifetimeS);
    const old = this.regs.ep(p.endpoint);
    if (!old && s.regs.size + this.regs.size >= s.opts.maxRegistrations) throw new RateLimitedError('resource directory is full');
    // Same onboarding and policy as every CoAP device (ARCHITECTURE.md "The device contract").
    admit(s, ctx, p.endpoint, from, body);
    if (old) this.observations.drop(old);
    // One endpoint name is one thing: a Register replaces the name's registration in Roost's own
    // directory as it replaces an LwM2M one (TS Core §6.2.1, RFC 9176 §5.3), or the two would share
    // a thing that either could remove under the other.
    const roost = s.regs.ep(p.endpoint);
    if (roost) {
      dropRegistration(s, roost);
      this.counters.lwm2mReplaced++;
    }
    const reg: Lwm2mRegistration = {
      ep: p.endpoint, id: old?.id ?? this.regs.newId(), thingId: ctx.thingId(p.endpoint), remote: from, version: p.version,
      binding: p.binding, queueMode: p.queueMode, lifetimeS: lt, expiresAt: ctx.now() + lt * 1000, rootPath: p.rootPath,
      contentFormats: p.contentFormats, objects: p.objects, observed: [], tokens: new Map(),
    };
    reg.observed = observedPaths(reg, old?.observed);
    this.registerThing(ctx, reg);
    this.regs.put(reg);
    saveLwm2m(ctx.store, reg);
    if (!old) ctx.store.put(LWM2M_NEXT_KEY, this.regs.next);
    this.counters.lwm2mRegistrations++;
    // §6.2.1: 2.01 Created, the registration's location in Location-Path.
    return this.answerThenWake(reg, { code: '2.01', locationPath: ['rd', reg.id] }, true);
  }

  private registerThing(ctx: BindingContext, reg: Lwm2mRegistration): void {
    const thing = buildThing(reg, this.models, `coap://${reg.remote.address}:${reg.remote.port}`);
    // A Queue Mode device is reachable while awake: items are pushed as requests, one at a time.
    reg.thingId = ctx.registerThing({ deviceId: reg.ep, nativeTd: thing.td, sleepy: reg.queueMode, push: true });
    this.things.set(reg.ep, thing);
  }

  /** §6.2.2 Update: lifetime, binding and objects may change; the device is awake. */
  private update(req: CoapMessage, id: string, from: Remote): Promise<CoapResponse> {
    const ctx = need(this.s);
    const reg = this.live(ctx, this.regs.id(id));
    if (!reg) return unknownEndpoint(this.s, id);
    const q = parseRegistrationQuery(req.uriQuery);
    if (q.lifetimeS !== undefined) reg.lifetimeS = this.lifetime(q.lifetimeS);
    if (q.binding !== undefined) {
      reg.binding = q.binding;
      reg.queueMode = q.queueMode === true || q.binding.includes('Q');
    } else if (q.queueMode) reg.queueMode = true;
    const moved = reg.remote.address !== from.address || reg.remote.port !== from.port;
    reg.remote = from;
    if (req.payload.length > 0) {
      const links = parseRegistrationLinks(req.payload.toString('utf8'), this.s.opts.maxLinksPerRegistration);
      Object.assign(reg, links);
      reg.observed = observedPaths(reg, reg.observed);
    }
    if (req.payload.length > 0 || q.binding !== undefined || q.queueMode || moved) this.registerThing(ctx, reg);
    reg.expiresAt = ctx.now() + reg.lifetimeS * 1000;
    saveLwm2m(ctx.store, reg);
    this.counters.lwm2mUpdates++;
    return this.answerThenWake(reg, { code: '2.04' }, false);
  }

  /** §6.2.3 De-register: the thing is removed (history kept). */
  private deregister(id: string): Promise<CoapResponse> {
    const ctx = need(this.s);
    const reg = this.live(ctx, this.regs.id(id));
    if (!reg) return unknownEndpoint(this.s, id);
    this.drop(reg);
    ctx.removeThing(reg.thingId);
    this.counters.lwm2mDeregistrations++;
    return afterCommit(this.s, { code: '2.02' });
  }

  /** §6.4.4 Send: values the device pushes (SenML CBOR/JSON, LwM2M CBOR), absolute paths; an uplink. */
  private send(req: CoapMessage, from: Remote): Promise<CoapResponse> {
    const ctx = need(this.s);
    const reg = this.live(ctx, this.regs.at(from));
    // No endpoint name in a Send: the device is known by the address it registered from.
    if (!reg) return unknownEndpoint(this.s, `${from.address}:${from.port}`);
    const cf = req.contentFormat ?? CONTENT_FORMAT.SENML_CBOR;
    if (cf !== CONTENT_FORMAT.SENML_CBOR && cf !== CONTENT_FORMAT.SENML_JSON && cf !== CONTENT_FORMAT.LWM2M_CBOR) {
      throw new UnsupportedMediaTypeError('Send carries SenML CBOR (112), SenML JSON (110) or LwM2M CBOR (11544)');
    }
    this.report(reg, decodeLwm2mContent(cf, req.payload, [], this.models, { nowSec: ctx.now() / 1000 }));
    this.counters.lwm2mSends++;
    reg.expiresAt = ctx.now() + reg.lifetimeS * 1000;
    return this.answerThenWake(reg, { code: '2.04' }, false);
  }

  /** A firmware image for a registered device to pull, sliced in Block2 blocks by the endpoint. */
  private servePackage(id: string, from: Remote): CoapResponse {
    // A client may download from another socket than it registered from (Anjay does): the host is what counts.
    if (![...this.regs.all()].some((r) => r.remote.address === from.address)) return unknownEndpoint(this.s, from.address);
    const payload = this.packages.read(id);
    this.counters.lwm2mPackagesServed++;
    return { code: '2.05', contentFormat: CONTENT_FORMAT.OPAQUE, payload };
  }

  /** The answer leaves once committed (docs/protocols/coap.md "What an answer means"); then the device is served. */
  private answerThenWake(reg: Lwm2mRegistration, res: CoapResponse, registered: boolean): Promise<CoapResponse> {
    return afterCommit(this.s, res).then((r) => {
      // Nobody awaits the wake: its failure is counted and logged here, never left to end the process.
      setImmediate(() => this.woke(reg, registered).catch((err: unknown) => {
        this.counters.lwm2mWakeFailures++;
        this.s.ctx?.logger.warn({ ep: reg.ep, err: (err as Error).message }, 'lwm2m wake failed');
      }));
      return r;
    });
  }

  /**
   * After an uplink: observations again (a Register cancels them, §6.4.1; after a restart the
   * gateway has no tokens), a firmware job goes on, then the awake window opens for the queue.
   */
  private async woke(reg: Lwm2mRegistration, registered: boolean): Promise<void> {
    const ctx = this.s.ctx;
    if (!ctx || this.regs.ep(reg.ep) !== reg || !this.live(ctx, reg)) return;
    this.awakeUntil.set(reg.ep, ctx.now() + this.s.opts.lwm2mAwakeWindowMs);
    if (registered || reg.tokens.size < reg.observed.length) await this.observations.establish(reg);
    const job = this.firmware.job(reg.ep);
    if (job && job.step !== 'done' && job.step !== 'failed') {
      const out = await this.firmware.resume(reg);
      if (out) ctx.complete(job.itemId, out);
    }
    // Observing and the firmware step awaited the device: the registration may have gone meanwhile.
    if (this.regs.ep(reg.ep) !== reg || !this.live(ctx, reg)) return;
    if (reg.queueMode) ctx.awake(reg.thingId, Math.max(1, (this.awakeUntil.get(reg.ep) ?? 0) - ctx.now()));
    else ctx.setOnline(reg.thingId, true);
  }

  /** A notification: the twin and history get its values; in Queue Mode it is an uplink (the device is awake). */
  private notified(reg: Lwm2mRegistration, path: readonly number[], n: CoapMessage): void {
    // Runs in the socket's message handler: a throw here would end the process.
    if (this.regs.ep(reg.ep) !== reg || !this.s.ctx || !this.live(this.s.ctx, reg)) return;
    this.counters.lwm2mNotifications++;
    try {
      this.report(reg, this.requests.decode(n, path));
    } catch {
      this.s.counters.invalidSenml++;
    }
    const ctx = this.s.ctx;
    if (ctx && reg.queueMode && n.observe !== undefined && this.awakeUntil.has(reg.ep)) {
      this.awakeUntil.set(reg.ep, ctx.now() + this.s.opts.lwm2mAwakeWindowMs);
      ctx.awake(reg.thingId, this.s.opts.lwm2mAwakeWindowMs);
    }
  }

  /**
   * A live read of one property of an LwM2M thing (a consumer's read with no twin value):
   * §6.3.1 Read of its resource, reported like any value. Undefined when the thing is not an
   * LwM2M one (the binding's own devices are read elsewhere).
   */
  async readProperty(thingId: string, name: string): Promise<{ value: unknown } | undefined> {
    const reg = [...this.regs.all()].find((r) => r.thingId === thingId);
    const thing = reg && this.things.get(reg.ep);
    const target = thing?.targets.get(name);
    if (!reg || !thing || !target || target.kind !== 'property') return undefined;
    const values = await this.requests.read(reg, target.path);
    this.report(reg, values);
    for (const rec of toProperties(values, thing.names, need(this.s).now()).values()) if (name in rec) return { value: rec[name] };
    return { value: undefined };
  }

  private report(reg: Lwm2mRegistration, values: readonly ResourceValue[]): void {
    const ctx = this.s.ctx;
    const thing = this.things.get(reg.ep);
    if (!ctx || !thing || values.length === 0) return;
    for (const [ts, rec] of toProperties(values, thing.names, ctx.now())) {
      if (Object.keys(rec).length) ctx.reportProperties(reg.thingId, rec, ts);
    }
    this.counters.lwm2mValuesUnknown += values.filter((v) => !thing.names.has(v.path.split('/').slice(0, 4).join('/'))).length;
  }

  private progress(reg: Lwm2mRegistration, job: FirmwareJob): void {
    const ctx = this.s.ctx;
    if (!ctx || !this.things.get(reg.ep)?.targets || !ctx.hasThing(reg.thingId)) return;
    const { itemId, package: pkg, method, step, state, result, error, oldVersion, newVersion, updatedAt } = job;
    ctx.reportProperties(reg.thingId, { [PROGRESS_PROPERTY]: JSON.parse(JSON.stringify({ itemId, package: pkg, method, step, state, result, error, oldVersion, newVersion, updatedAt })) });
  }

  /** The hub hands over an item while the device is awake: it goes out as the LwM2M request it names. */
  deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    const reg = this.regs.ep(item.deviceId);
    const thing = reg && this.things.get(reg.ep);
    if (!reg || !thing) return Promise.resolve({ state: 'retry', reason: 'device not registered' });
    return deliverOperation({
      requests: this.requests, models: this.models, firmware: this.firmware, report: (r, v) => this.report(r, v),
      observe: (r, p) => this.observations.observe(r, p), cancelObservation: (r, p) => this.observations.cancel(r, p),
    }, reg, thing, item);
  }

  /** A device rejected or revoked by an admin loses its registration at once. */
  admissionChanged(deviceId: string, state: string): void {
    if (state !== 'rejected' && state !== 'revoked') return;
    const reg = this.regs.ep(deviceId);
    if (!reg) return;
    this.drop(reg);
    if (this.s.ctx?.hasThing(reg.thingId)) this.s.ctx.setOnline(reg.thingId, false);
  }

  private drop(reg: Lwm2mRegistration): void {
    this.observations.drop(reg);
    this.regs.delete(reg);
    this.things.delete(reg.ep);
    this.awakeUntil.delete(reg.ep);
    if (this.s.ctx) forgetLwm2m(this.s.ctx.store, reg);
  }

  /** §6.2.1: a registration whose lifetime ran out is removed; the thing goes offline. */
  private expire(): void {
    const ctx = this.s.ctx;
    if (!ctx) return;
    for (const reg of this.regs.expired(ctx.now())) {
      this.drop(reg);
      this.counters.lwm2mExpired++;
      if (ctx.hasThing(reg.thingId)) ctx.setOnline(reg.thingId, false);
    }
  }

  /** Stored registrations, as at the restart: known again with location, lifetime (still counting), address. */
  private restore(ctx: BindingContext): number {
    const { regs, broken } = loadLwm2m(ctx.store);
    const next = ctx.store.load().get(LWM2M_NEXT_KEY);
    if (typeof next === 'number') this.regs.seed(next);
    for (const key of broken) ctx.store.delete(key);
    let n = 0;
    for (const reg of regs) {
      const state = ctx.admission(reg.ep).state;
      // An endpoint registered in Roost's own directory as well (stored before one replaced the other): that one stays.
      if (!ctx.hasThing(reg.thingId) || state === 'rejected' || state === 'revoked' || this.s.regs.ep(reg.ep)) {
        forgetLwm2m(ctx.store, reg);
        continue;
      }
      this.registerThing(ctx, reg);
      this.regs.put(reg);
      n++;
    }
    return n;
  }
}

/** A Register of LwM2M rather than of Roost's own RD: the `lwm2m` or `Q` parameter, or the `oma.lwm2m` root link (1.0). */
function isLwm2mRegister(req: CoapMessage): boolean {
  const q = query(req.uriQuery);
  return q.has('lwm2m') || q.has('Q') || req.payload.includes('oma.lwm2m');
}
