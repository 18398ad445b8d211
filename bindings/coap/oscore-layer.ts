/**
 * OSCORE (RFC 8613) per exchange, between the endpoint and the handlers, and the policy
 * `bindings.coap.security` (docs/protocols/coap.md "Security"):
 *
 * - a request with the OSCORE option is verified with its device's context (found by kid), its
 *   inner request goes to the same handlers as a plain one, with the device's identity, and the
 *   answer is protected with the request's nonce;
 * - after a gateway start the first verified request of each device is not acted on: it gets a
 *   protected 4.01 with an Echo option and the gateway's own Partial IV (RFC 8613 B.1.2,
 *   RFC 9175 §2.4); the repeat carrying that Echo synchronizes the replay window;
 * - a protected request may only touch its own device's resources (4.03 otherwise);
 * - plain requests: `required` refuses all but discovery, `optional` refuses those naming a
 *   device that has a context (4.01), `none` serves them and refuses OSCORE (4.02).
 *
 * OSCORE failures are answered unprotected with the RFC's codes (RFC 8613 §8.2, §8.3) and counted.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthenticatedError } from '../../protocols/errors.js';
import {
  OscoreError, protectRequest, protectResponse, unprotectRequest, unprotectResponse, type OscoreErrorReason, type OscoreExchange,
} from '../../protocols/oscore/index.js';
import { errorAnswer, type CoapResponse, type Remote } from './coap-endpoint.js';
import { GET, type CoapMessage, type OutMessage } from './coap-message.js';
import type { CoapState, Counter } from './coap-state.js';
import { outerFields, requestContent, responseContent, withContent } from './oscore-content.js';
import { query } from './handlers/registration.js';
import type { Registration } from './resource-directory.js';
import type { DeviceSecurity } from './security-contexts.js';

/** Serves one request; `deviceId` is the authenticated device, null for a plain request. */
export type SecuredHandler = (req: CoapMessage, from: Remote, deviceId: string | null) => CoapResponse | Promise<CoapResponse>;

const REASON_COUNTER: Partial<Record<OscoreErrorReason, Counter>> = {
  malformed_option: 'oscoreMalformed', unknown_kid: 'oscoreUnknownKid', replay: 'oscoreReplay',
  decrypt_failed: 'oscoreDecryptFailed', malformed_plaintext: 'oscoreMalformedPlaintext',
};
/** RFC 9175 §2.2.1: Echo is 1-40 bytes; 8 random bytes cannot be guessed within a challenge's life. */
const ECHO_BYTES = 8;

/** The device a request names: /t/<ep>, /a/<ep>/..., /rd?ep=<ep>, /rd/<id>, LwM2M's /rd/lw-<n> and /dp; undefined for none. */
function namedDevice(s: CoapState, req: CoapMessage, from: Remote): string | undefined {
  const beside = s.ownerOf?.(req, from);
  if (beside !== undefined) return beside;
  const [top, a] = req.uriPath;
  // /v/<ep>/<name> is the device's own value resource: bound to it like its uplinks.
  if ((top === 't' || top === 'a' || top === 'v') && a !== undefined) return a;
  if (top === 'rd') return a === undefined ? query(req.uriQuery).get('ep') : s.regs.id(a)?.ep;
  return undefined;
}

const isDiscovery = (req: CoapMessage): boolean => req.code === GET && req.uriPath[0] === '.well-known';

const isEdhocResource = (req: CoapMessage): boolean => req.uriPath.length === 2 && req.uriPath[0] === '.well-known' && req.uriPath[1] === 'edhoc';

export function serveSecured(s: CoapState, req: CoapMessage, from: Remote, handle: SecuredHandler): CoapResponse | Promise<CoapResponse> {
  const mode = s.opts.security;
  // EDHOC (bindings/coap/edhoc/): the handshake itself is plain; a combined request (RFC 9668) completes it, then is OSCORE.
  if (s.edhoc && req.oscore === undefined && isEdhocResource(req)) return s.edhoc.resource.serve(req, from);
  if (req.edhoc && req.oscore !== undefined && s.edhoc) return s.edhoc.resource.combined(req, from, (inner: CoapMessage) => serveProtected(s, inner, from, handle));
  if (req.oscore === undefined) {
    if (mode === 'required' && !isDiscovery(req)) return refusePlain(s, 'this gateway accepts only OSCORE-protected requests');
    if (mode === 'optional') {
      const dev = namedDevice(s, req, from);
      // Identity-bound: a device with a context is heard only through it, whoever sends in its name.
      if (dev !== undefined && s.contexts!.hasContext(dev)) return refusePlain(s, `device ${dev} must use OSCORE`);
    }
    return handle(req, from, null);
  }
  if (mode === 'none') {
    s.counters.oscoreDisabled++;
    // RFC 8613 §2: a server without OSCORE treats the critical option as unrecognized (RFC 7252 §5.4.1).
    return { code: '4.02', payload: Buffer.from('OSCORE is not enabled (bindings.coap.security none)') };
  }
  return serveProtected(s, req, from, handle);
}

function refusePlain(s: CoapState, why: string): never {
  s.counters.plainRefused++;
  throw new UnauthenticatedError(why);
}

function serveProtected(s: CoapState, req: CoapMessage, from: Remote, handle: SecuredHandler): CoapResponse | Promise<CoapResponse> {
  let device: DeviceSecurity | undefined;
  let u: ReturnType<typeof unprotectRequest>;
  try {
    u = unprotectRequest(requestContent(req), (kid) => {
      device = s.contexts!.byKid(kid);
      return device;
    });
  } catch (err) {
    if (!(err instanceof OscoreError)) throw err;
    const c = REASON_COUNTER[err.reason];
    if (c) s.counters[c]++;
    // RFC 8613 §8.2: a simple CoAP response without OSCORE processing; Max-Age 0 so nothing caches it.
    return { code: err.coapCode, payload: Buffer.from(err.diagnostic), maxAge: 0 };
  }
  const d = device!;
  s.counters.oscoreRequests++;
  let inner: CoapMessage;
  try {
    inner = withContent(req, u.message);
  } catch (err) {
    return protect(d, u.exchange, errorAnswer(err));
  }
  if (!u.replayChecked) {
    if (inner.echo && d.echo && inner.echo.length === d.echo.length && timingSafeEqual(inner.echo, d.echo)) {
      // RFC 8613 B.1.2: the request that returns the Echo value sets the window's lower limit.
      d.replay.synchronize(u.seq);
      d.echo = null;
      s.counters.oscoreEchoVerified++;
    } else {
      d.echo = randomBytes(ECHO_BYTES);
      s.counters.oscoreEchoChallenges++;
      // RFC 9175 §2.4 / RFC 8613 B.1.2: 4.01 with Echo, not acted on, under the gateway's own Partial IV
      // (the request's nonce may be a replayed one).
      return protectWithSeq(s, d, u.exchange, { code: '4.01', echo: d.echo });
    }
  }
  if (inner.block1 && (inner.block1.more || inner.block1.num > 0)) {
    // Block-wise transfers are not reassembled under OSCORE (docs/protocols/coap.md "Security"):
    // RFC 7959 §2.9.3, the largest body taken in one message, never a silently cut one.
    return protect(d, u.exchange, { code: '4.13', size1: s.opts.blockSizeBytes });
  }
  // Observe is not protected yet: the request is answered once, with no observation made
  // (RFC 7641 §4.1: a server may ignore the option), so no notification ever leaves in clear.
  if (inner.observe !== undefined) inner = { ...inner, observe: undefined };
  const owner = namedDevice(s, inner, from);
  if (inner.uriPath[0] === 'rd' && inner.uriPath.length === 1 && owner === undefined) {
    // RFC 9176 §5.3: the RD may take the endpoint name from the security context.
    inner.uriQuery.push(`ep=${d.deviceId}`);
  } else if (owner !== undefined && owner !== d.deviceId) {
    s.counters.oscoreForbidden++;
    return protect(d, u.exchange, errorAnswer(new ForbiddenError(`device ${d.deviceId} may not act for ${owner}`)));
  }
  let res: CoapResponse | Promise<CoapResponse>;
  try {
    res = handle(inner, from, d.deviceId);
  } catch (err) {
    res = errorAnswer(err);
  }
  if (res instanceof Promise) return res.then((r) => protect(d, u.exchange, r), (err: unknown) => protect(d, u.exchange, errorAnswer(err)));
  return protect(d, u.exchange, res);
}

/** RFC 8613 §8.3 with the request's nonce: no sequence number of ours is used. */
function protect(d: DeviceSecurity, exchange: OscoreExchange, res: CoapResponse): CoapResponse {
  return outerFields(protectResponse(d.context, exchange, responseContent(res)));
}

async function protectWithSeq(s: CoapState, d: DeviceSecurity, exchange: OscoreExchange, res: CoapResponse): Promise<CoapResponse> {
  const seq = await s.contexts!.nextSeq(d.deviceId);
  return outerFields(protectResponse(d.context, exchange, responseContent(res), seq));
}

/**
 * A request from the gateway to a device (always-on requests, pushes to /q/): protected with the
 * device's context when it has one (the gateway is the OSCORE client, its sequence number
 * persisted first), plain otherwise. Resolves with the inner response. An unprotected answer to a
 * protected request is accepted only as an error (RFC 8613 §8.4: it is a hint, not an answer).
 */
export async function requestSecured(s: CoapState, reg: Registration, m: Omit<OutMessage, 'mid' | 'token' | 'type'> & { type?: 'CON' | 'NON' }): Promise<CoapMessage> {
  const ep = s.endpoint!;
  const d = s.opts.security === 'none' ? undefined : s.contexts!.forDevice(reg.ep);
  if (!d) return ep.request(reg.remote, m);
  const seq = await s.contexts!.nextSeq(d.deviceId);
  const { message, exchange } = protectRequest(d.context, requestContent(m), seq);
  const outer = outerFields(message);
  const res = await ep.request(reg.remote, { ...outer, ...(m.type ? { type: m.type } : {}) });
  if (res.oscore === undefined) {
    if (res.code.startsWith('2.')) {
      s.counters.oscoreBadResponses++;
      throw new UnauthenticatedError(`device ${reg.ep} answered a protected request without OSCORE`);
    }
    return res;
  }
  try {
    return withContent(res, unprotectResponse(d.context, exchange, responseContent(res)));
  } catch (err) {
    s.counters.oscoreBadResponses++;
    throw err;
  }
}
