/**
 * The gateway as EDHOC Responder over CoAP (RFC 9528 Appendix A.2, forward message flow): a device
 * POSTs `true || message_1` to /.well-known/edhoc and gets message_2; it POSTs `C_R || message_3`
 * (or sends message_3 inside its first OSCORE request, RFC 9668) and the handshake completes. The
 * peer's key then decides admission (onboarding by key): an approved key gets its OSCORE context,
 * an unknown one becomes a pending device listed with its fingerprint, a refused one gets 4.03.
 */
import type { BindingContext } from '../../../gateway/binding.js';
import { EdhocError, Responder, encodeErrorMessage, parseCidPayload, splitCombinedPayload, type EdhocSession } from '../../../protocols/edhoc/index.js';
import { decodeOscoreOption } from '../../../protocols/oscore/index.js';
import type { CoapResponse, Remote } from '../coap-endpoint.js';
import { POST, type CoapMessage } from '../coap-message.js';
import type { EnrolledDevices } from './enrolled-devices.js';
import type { GatewayIdentity } from './gateway-identity.js';

/** RFC 9528 §10.9: application/edhoc+cbor-seq (answers) and application/cid-edhoc+cbor-seq (requests). */
export const CF_EDHOC = 64;
export const CF_CID_EDHOC = 65;

export const EDHOC_COUNTERS = [
  'edhocMessage1', 'edhocCompleted', 'edhocFailed', 'edhocCombined', 'edhocPending', 'edhocRefused', 'edhocApproved',
] as const;
export type EdhocCounter = (typeof EDHOC_COUNTERS)[number];

export interface EdhocResourceOptions {
  readonly methods: readonly number[];
  readonly suites: readonly number[];
  readonly maxSessions: number;
}

/** A device id from a CCS subject when it is a valid, unused endpoint name. */
const EP_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

type Admitted = { ok: true; deviceId: string } | { ok: false; res: CoapResponse };

export class EdhocResource {
  readonly counters: Record<EdhocCounter, number> = Object.fromEntries(EDHOC_COUNTERS.map((c) => [c, 0])) as Record<EdhocCounter, number>;
  /** Failures by EdhocError reason (bad input over the wire, counted). */
  readonly failures: Record<string, number> = {};
  readonly responder: Responder;

  constructor(
    private readonly ctx: BindingContext,
    identity: GatewayIdentity,
    private readonly devices: EnrolledDevices,
    opts: EdhocResourceOptions,
    /** Installs a fresh OSCORE context for a device (SecurityContexts.install). */
    private readonly install: (deviceId: string) => void,
    /** Identifiers held elsewhere for now (the C_I of the gateway's own handshakes in flight). */
    reserved: (kidHex: string) => boolean = () => false,
  ) {
    this.responder = new Responder({
      methods: opts.methods,
      suites: opts.suites,
      auth: identity.auth,
      maxSessions: opts.maxSessions,
      // A credential by value is taken as it is (the handshake proves the key; admission decides); by reference only if enrolled before.
      lookupCredential: (id) => (id.kind === 'kccs' || id.kind === 'x5chain' ? id.credential : devices.lookup(id)),
      // RFC 9668 §4.1.2: C_R becomes the device's OSCORE Sender ID, so it must not be any device's kid already.
      connectionIdInUse: (id) => {
        const h = Buffer.from(id).toString('hex');
        return devices.kidInUse(h) || ctx.findByOscoreKid(h) !== undefined || reserved(h);
      },
    });
  }

  /** POST /.well-known/edhoc: message_1 (prefix `true`) or message_3 (prefix C_R). */
  async serve(req: CoapMessage, from: Remote): Promise<CoapResponse> {
    if (req.code !== POST) return { code: '4.05' };
    if (req.contentFormat !== undefined && req.contentFormat !== CF_CID_EDHOC) return { code: '4.15' };
    let cid: Uint8Array | true;
    let message: Uint8Array;
    try {
      ({ cid, message } = parseCidPayload(req.payload));
    } catch (err) {
      return this.fail(err instanceof EdhocError ? err : new EdhocError('malformed', undefined, { cause: err }));
    }
    if (cid === true) {
      this.counters.edhocMessage1++;
      const r = this.responder.handleMessage1(message);
      if (!r.ok) return this.fail(r.error, r.reply);
      return { code: '2.04', contentFormat: CF_EDHOC, payload: Buffer.from(r.value.message2) };
    }
    const r = this.responder.handleMessage3(cid, message);
    if (!r.ok) return this.fail(r.error, r.reply);
    const admitted = await this.admit(r.value.session, from);
    if (!admitted.ok) return admitted.res;
    return { code: '2.04', contentFormat: CF_EDHOC, ...(r.value.message4 ? { payload: Buffer.from(r.value.message4) } : {}) };
  }

  /**
   * An EDHOC + OSCORE combined request (RFC 9668 §3.3.1): C_R is the OSCORE kid, the payload is
   * message_3 followed by the OSCORE ciphertext. On success the request goes on, without the EDHOC
   * option and message_3, to OSCORE processing with the fresh context.
   */
  async combined(req: CoapMessage, from: Remote, next: (inner: CoapMessage) => CoapResponse | Promise<CoapResponse>): Promise<CoapResponse> {
    this.counters.edhocCombined++;
    let cR: Uint8Array;
    let message3: Uint8Array;
    let oscorePayload: Uint8Array;
    try {
      const kid = decodeOscoreOption(req.oscore ?? Buffer.alloc(0)).kid;
      if (!kid) throw new EdhocError('malformed', 'OSCORE option has no kid');
      cR = kid;
      ({ message3, oscorePayload } = splitCombinedPayload(req.payload));
    } catch (err) {
      return this.fail(err instanceof EdhocError ? err : new EdhocError('malformed', 'OSCORE option has no kid', { cause: err }));
    }
    const r = this.responder.handleMessage3(cR, message3);
    if (!r.ok) return this.fail(r.error, r.reply);
    const admitted = await this.admit(r.value.session, from);
    if (!admitted.ok) return admitted.res;
    const inner: CoapMessage = { ...req, payload: Buffer.from(oscorePayload) };
    delete inner.edhoc;
    return next(inner);
  }

  /** Counts a failure and answers with the EDHOC error message (RFC 9528 Appendix A.2.3). */
  private fail(error: EdhocError, reply: Uint8Array | null = error.toErrorMessage()): CoapResponse {
    this.counters.edhocFailed++;
    this.failures[error.reason] = (this.failures[error.reason] ?? 0) + 1;
    this.ctx.logger.debug({ reason: error.reason, err: error.message }, 'edhoc failed');
    return { code: error.coapCode, contentFormat: CF_EDHOC, ...(reply ? { payload: Buffer.from(reply) } : {}) };
  }

  /**
   * Onboarding by key: the authenticated key's device, approved -> its OSCORE context is stored
   * (committed before the answer) and installed; unknown -> a pending device showing the key's
   * fingerprint; pending, rejected, revoked -> 4.03 with an EDHOC error (ERR_CODE 1).
   */
  private async admit(session: EdhocSession, from: Remote): Promise<Admitted> {
    const { credential, fingerprint } = session.peer;
    const known = this.ctx.findByPublicKey(fingerprint);
    let deviceId: string;
    let state: string;
    const claims = {
      publicKeySha256: fingerprint, credential: credential.type, ...(credential.subject ? { subject: credential.subject } : {}),
      suite: session.suite.id, method: session.method,
    };
    const seenAs = `coap edhoc from ${from.address}:${from.port}`;
    if (known) {
      deviceId = known.deviceId;
      state = known.admission.state;
      if (state === 'pending') this.ctx.requestAdmission({ deviceId, seenAs, claims });
    } else {
      const sub = credential.subject;
      deviceId = sub && EP_RE.test(sub) && this.ctx.admission(sub).state === 'unknown' ? sub : `k-${fingerprint.slice(0, 16)}`;
      const existing = this.ctx.admission(deviceId);
      // A device id that exists under another key (or none) is not taken over by a new key.
      state = existing.state === 'unknown' ? this.ctx.requestAdmission({ deviceId, seenAs, claims }).state : 'rejected';
    }
    if (state !== 'approved') {
      const pending = state === 'pending' || state === 'unknown';
      this.counters[pending ? 'edhocPending' : 'edhocRefused']++;
      this.ctx.logger.info({ deviceId, fingerprint, state }, 'edhoc peer not approved');
      const why = pending ? 'Device pending approval' : 'Device not allowed';
      return { ok: false, res: { code: '4.03', contentFormat: CF_EDHOC, payload: Buffer.from(encodeErrorMessage(1, why)) } };
    }
    const o = session.oscore();
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    await this.devices.put(deviceId, credential, { masterSecret: hex(o.masterSecret), masterSalt: hex(o.masterSalt), senderId: hex(o.senderId), recipientId: hex(o.recipientId) });
    this.install(deviceId);
    this.counters.edhocCompleted++;
    this.counters.edhocApproved++;
    return { ok: true, deviceId };
  }

  /** Counters for /metrics: ours, the failures by reason, and the session table's evictions. */
  metrics(): { counters: Record<string, number>; gauges: Record<string, number> } {
    const byReason = Object.fromEntries(Object.entries(this.failures).map(([r, n]) => [`edhocFailed_${r}`, n]));
    return {
      counters: { ...this.counters, ...byReason, edhocSessionsEvicted: this.responder.evicted },
      gauges: { edhocHalfOpenSessions: this.responder.halfOpen, edhocEnrolledDevices: this.devices.size },
    };
  }
}
