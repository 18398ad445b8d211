/**
 * The resource directory's interface (RFC 9176 §5.3): POST /rd registers (or registers again),
 * POST /rd/<id> updates (= the device is awake), DELETE /rd/<id> leaves; a lifetime that runs out
 * takes the thing offline. Registrations are written to the binding's durable store and every
 * answer waits for that commit, so a device the gateway said 2.01 / 2.04 to stays known after a
 * restart (docs/protocols/coap.md "What an answer means").
 */
import type { BindingContext } from '../../../gateway/binding.js';
import { BadRequestError, ForbiddenError, RateLimitedError, UnsupportedMediaTypeError } from '../../../protocols/errors.js';
import { LINK_FORMAT_CONTENT_FORMAT, parseLinkFormat } from '../../../protocols/link-format/link-format.js';
import type { CoapResponse, Remote } from '../coap-endpoint.js';
import type { CoapMessage } from '../coap-message.js';
import { need, unknownEndpoint, type CoapState } from '../coap-state.js';
import { cancelObservations } from '../device-requests.js';
import { affordancesOf, nativeTd } from '../native-td.js';
import { NO_OBSERVATIONS, type Registration } from '../resource-directory.js';
import { forgetRegistration, NEXT_ID_KEY, saveRegistration } from '../registration-store.js';
import { afterCommit, wake } from '../sleepy-delivery.js';

const EP_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Link resource type of a sleepy device's queue resource (POST /q/<ep>). */
const QUEUE_RT = 'roost.q';

/** Query parameters `k=v` (a bare `k` is `k=`). */
export function query(parts: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of parts) {
    const i = p.indexOf('=');
    m.set(i < 0 ? p : p.slice(0, i), i < 0 ? '' : p.slice(i + 1));
  }
  return m;
}

function reject(s: CoapState, err: unknown): never {
  s.counters.registrationsRejected++;
  throw err;
}

function lifetime(s: CoapState, raw: string | undefined): number | null {
  const lt = raw === undefined ? s.opts.defaultLifetimeS : Number(raw);
  return Number.isInteger(lt) && lt >= s.opts.minLifetimeS && lt <= s.opts.maxLifetimeS ? lt : null;
}

/**
 * POST /rd?ep=..&lt=..&b=.. with a link-format body. `onRegistered` runs after the registration
 * is in the table (the binding observes an always-on device's resources there).
 */
export function register(s: CoapState, req: CoapMessage, from: Remote, onRegistered: (reg: Registration) => void): Promise<CoapResponse> {
  const ctx = need(s);
  if (!s.limiter!.take(from.address)) {
    s.counters.registrationsRateLimited++;
    throw new RateLimitedError(`too many registrations from ${from.address}`);
  }
  const q = query(req.uriQuery);
  const ep = q.get('ep');
  // RFC 9176 §5.3: "ep" is mandatory; content must be link-format.
  if (!ep || !EP_RE.test(ep)) return reject(s, new BadRequestError('registration needs ep=<endpoint name> ([A-Za-z0-9._-], up to 63)'));
  if (req.contentFormat !== undefined && req.contentFormat !== LINK_FORMAT_CONTENT_FORMAT) {
    return reject(s, new UnsupportedMediaTypeError('registration body must be application/link-format (40)'));
  }
  const lt = lifetime(s, q.get('lt'));
  if (lt === null) return reject(s, new BadRequestError(`lt must be an integer in [${s.opts.minLifetimeS}, ${s.opts.maxLifetimeS}]`));
  const old = s.regs.ep(ep);
  if (!old && s.regs.size >= s.opts.maxRegistrations) return reject(s, new RateLimitedError('resource directory is full'));
  const links = parseLinkFormat(req.payload.toString('utf8'), { maxLinks: s.opts.maxLinksPerRegistration });
  admit(s, ctx, ep, from, req.payload.toString('utf8'));
  const affordances = new Map(affordancesOf(links).map((af) => [af.name, af]));
  // Roost: b=U is an always-on device, b=UQ (the default) a sleepy one (LwM2M queue mode).
  const sleepy = (q.get('b') ?? 'UQ').includes('Q');
  // A sleepy device that serves POST /q/<ep> while awake says so with a `roost.q` link.
  const push = sleepy && links.some((l) => typeof l.attrs['rt'] === 'string' && l.attrs['rt'].split(' ').includes(QUEUE_RT));
  let thingId: string;
  try {
    thingId = ctx.registerThing({ deviceId: ep, nativeTd: nativeTd(ep, from.address, from.port, [...affordances.values()]), sleepy, push });
  } catch (err) {
    return reject(s, err);
  }
  if (old) cancelObservations(s, old);
  const expiresAt = ctx.now() + lt * 1000;
  const reg: Registration = {
    ep, id: old?.id ?? s.regs.newId(), thingId, remote: from, sleepy, push, lifetimeS: lt,
    expiresAt, savedExpiresAt: expiresAt, affordances, observations: NO_OBSERVATIONS,
  };
  s.regs.put(reg);
  saveRegistration(ctx.store, reg);
  if (!old) ctx.store.put(NEXT_ID_KEY, s.regs.next);
  s.counters.registrations++;
  onRegistered(reg);
  // RFC 9176 §5.3: 2.01 Created with the registration resource in Location-Path.
  return afterCommit(s, wake(s, reg, from, { code: '2.01', locationPath: ['rd', reg.id] }));
}

/**
 * Onboarding (ARCHITECTURE.md "The device contract"): a device seen for the first time asks for
 * admission; until it is approved its registration is 4.03 and nothing it says reaches the hub.
 * Once an admin approves it, its next registration (at its next wake) is accepted.
 */
export function admit(s: CoapState, ctx: BindingContext, ep: string, from: Remote, links: string): void {
  let a = ctx.admission(ep);
  if (a.state === 'unknown') a = ctx.requestAdmission({ deviceId: ep, seenAs: `coap registration from ${from.address}:${from.port}`, claims: { ep, links } });
  if (a.state === 'approved') return;
  if (a.state === 'pending' || a.state === 'unknown') {
    s.counters.admissionPending++;
    throw new ForbiddenError(`device ${ep} is pending approval; register again after an admin approved it`);
  }
  s.counters.admissionRefused++;
  throw new ForbiddenError(`device ${ep} is ${a.state}`);
}

/** POST /rd/<id>: the registration is refreshed (optionally with a new lt) and the device is awake. */
export function update(s: CoapState, req: CoapMessage, id: string, from: Remote): Promise<CoapResponse> {
  const reg = s.regs.id(id);
  // RFC 9176 §5.3.1: an update of an unknown registration is 4.04.
  if (!reg) return unknownEndpoint(s, id);
  const raw = query(req.uriQuery).get('lt');
  if (raw !== undefined) {
    const lt = lifetime(s, raw);
    if (lt === null) throw new BadRequestError('bad lt');
    reg.lifetimeS = lt;
  }
  const ctx = need(s);
  reg.expiresAt = ctx.now() + reg.lifetimeS * 1000;
  saveRegistration(ctx.store, reg);
  s.counters.registrationUpdates++;
  return afterCommit(s, wake(s, reg, from, { code: '2.04' }));
}

/** DELETE /rd/<id>: the device leaves; its thing is removed (history kept). */
export function deregister(s: CoapState, id: string): Promise<CoapResponse> {
  const reg = s.regs.id(id);
  if (!reg) return unknownEndpoint(s, id);
  dropRegistration(s, reg);
  need(s).removeThing(reg.thingId);
  s.counters.deregistrations++;
  return afterCommit(s, { code: '2.02' }); // RFC 9176 §5.3.2
}

export function dropRegistration(s: CoapState, reg: Registration): void {
  cancelObservations(s, reg);
  s.values.drop(reg);
  s.regs.delete(reg);
  if (s.ctx) forgetRegistration(s.ctx.store, reg);
}

/** RFC 9176 §5.3: a registration whose lifetime ran out is removed; the thing goes offline. */
export function expireRegistrations(s: CoapState): void {
  const ctx = s.ctx;
  if (!ctx) return;
  for (const reg of s.regs.expired(ctx.now())) {
    dropRegistration(s, reg);
    s.counters.registrationsExpired++;
    if (ctx.hasThing(reg.thingId)) ctx.setOnline(reg.thingId, false);
  }
}
