/**
 * EDHOC (RFC 9528) on a firmware-sim CoAP device, done as firmware would do it with the Initiator of
 * protocols/edhoc (docs/protocols/edhoc.md, docs/protocols/coap.md "Enrolment with EDHOC"): the
 * device is the Initiator and CoAP client, POSTs `true || message_1` to /.well-known/edhoc, checks
 * the gateway's credential in message_2 against the fingerprints it pins, and either POSTs `C_R ||
 * message_3` (three round trips with the first request) or sends message_3 inside its first OSCORE
 * request (RFC 9668, two). The derived OSCORE context (Appendix A.1: the device sends with Sender ID
 * = C_R) lives in RAM: a reboot loses it and the device enrols again.
 *
 * It counts what enrolment costs on the air (round trips, datagrams and bytes each way), for the
 * fleet's energy figures.
 */
import { generate, parse } from 'coap-packet';
import {
  CIPHER_SUITES, CURVES, Initiator, METHODS, SIGNATURES, encodeCidPayload, idCredOf, makeCcs, staticDhPublicKey,
  type Credential, type EdhocSession, type IdCred, type LocalAuth,
} from '../../protocols/edhoc/index.js';
import type { OscoreKeys } from './oscore-device.js';
import { uint, type Address, type SimRadio } from './sim-radio.js';

/** RFC 9528 §10.9: application/cid-edhoc+cbor-seq, the Content-Format of requests to /.well-known/edhoc. */
const CF_CID_EDHOC = 65;
/** RFC 9528 Appendix A.2: the resource of the forward message flow. */
const EDHOC_PATH = ['.well-known', 'edhoc'];

/**
 * A device's EDHOC authentication key fitting the Initiator role of `method` in `suite`, its CCS
 * (subject = the device's endpoint name, so that a gateway that has never seen it can name it) and
 * ID_CRED. `seed`: 32 bytes the private key is made from (a lab fleet's keys come from the scenario's
 * seed); random when absent.
 */
export function edhocDeviceKey(suiteId: number, method: number, sub: string, opts: { seed?: Uint8Array; by?: 'value' | 'kid'; kid?: number } = {}): LocalAuth {
  const suite = CIPHER_SUITES.get(suiteId);
  const kinds = METHODS.get(method);
  if (!suite || !kinds) throw new RangeError(`no EDHOC suite ${suiteId} or method ${method}`);
  const dh = kinds.initiator === 'static-dh';
  const p256 = dh ? suite.curve === 'p256' : suite.signature === 'es256';
  let privateKey: Uint8Array;
  if (opts.seed) {
    privateKey = Uint8Array.from(opts.seed.subarray(0, 32));
    // A P-256 scalar must be below the group order n (0xffffffff00000000ff...): clear the top bit.
    if (p256) privateKey[0]! &= 0x7f;
  } else {
    privateKey = p256 ? CURVES.p256.randomPrivateKey() : CURVES.x25519.randomPrivateKey();
  }
  const publicKey = dh ? staticDhPublicKey(suite.curve, privateKey) : SIGNATURES[suite.signature].publicKey(privateKey);
  const credential = makeCcs(publicKey, { sub, kid: Uint8Array.of(opts.kid ?? 0x2b) });
  return { privateKey, credential, idCred: idCredOf(credential, opts.by ?? 'value') };
}

export interface EdhocDeviceOptions {
  auth: LocalAuth;
  /** Method (0: signatures, 3: static DH, RFC 9528 §3.2). */
  method: number;
  /** Cipher suites the device runs, most preferred first (0 and 2 with Roost). */
  suites: readonly number[];
  /**
   * Fingerprints (hex SHA-256 of the raw public key) of the gateway keys the device accepts. Empty:
   * trust on first use: the first gateway key seen is pinned (in `memory`) and required from then on.
   */
  pins: readonly string[];
  /** Kept across reboots (flash): the key pinned on first use. Pass the same object to the next instance. */
  memory?: EdhocMemory;
  /** message_3 inside the first OSCORE request (RFC 9668); default true. */
  combined?: boolean;
}

export interface EdhocMemory {
  pinnedOnFirstUse: string | null;
}

/** What enrolment cost on the air, in all (every attempt, failed ones too). */
export interface EdhocStats {
  enrolments: number;
  /** Handshakes that did not end in an OSCORE context (gateway error, pending approval, lost answer). */
  failures: number;
  /** EDHOC's own exchanges with /.well-known/edhoc, and their datagrams and bytes (retransmissions included). */
  roundTrips: number;
  datagramsUp: number;
  bytesUp: number;
  datagramsDown: number;
  bytesDown: number;
  /** Bytes message_3 and the EDHOC option added to combined requests (RFC 9668): counted with those requests, not above. */
  combinedBytes: number;
}

/** The Initiator's half: message_3 ready, the context it gives once the gateway takes it. */
export interface EdhocHalf {
  message3: Uint8Array;
  session: EdhocSession;
}

/** An EDHOC answer from the gateway: its CoAP code and payload. */
export interface EdhocAnswer {
  code: string;
  payload: Uint8Array;
}

/** A gateway refused or failed the handshake; `code` is the CoAP code, `diagnostic` the ERR_INFO text when there is one. */
export class EdhocRefusedError extends Error {
  constructor(readonly code: string, readonly diagnostic: string) {
    super(`EDHOC refused: ${code}${diagnostic ? ` ${diagnostic}` : ''}`);
    this.name = 'EdhocRefusedError';
  }
}

/** The OSCORE provisioning an EDHOC session gives the device (RFC 9528 Appendix A.1), in hex. */
export function oscoreKeysOf(session: EdhocSession): OscoreKeys {
  const o = session.oscore();
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  return { masterSecret: hex(o.masterSecret), masterSalt: hex(o.masterSalt), senderId: hex(o.senderId), recipientId: hex(o.recipientId) };
}

/** ERR_INFO text of an EDHOC error message `01 <tstr>`, else ''. */
function diagnosticOf(payload: Uint8Array): string {
  const b = Buffer.from(payload);
  if (b.length < 2 || b[0] !== 0x01 || b[1]! >> 5 !== 3) return '';
  const len = b[1]! & 0x1f;
  return len < 24 ? b.subarray(2, 2 + len).toString() : b.subarray(3, 3 + b[2]!).toString();
}

export class DeviceEdhoc {
  readonly stats: EdhocStats = { enrolments: 0, failures: 0, roundTrips: 0, datagramsUp: 0, bytesUp: 0, datagramsDown: 0, bytesDown: 0, combinedBytes: 0 };
  readonly memory: EdhocMemory;

  constructor(readonly opts: EdhocDeviceOptions) {
    this.memory = opts.memory ?? { pinnedOnFirstUse: null };
  }

  get combined(): boolean {
    return this.opts.combined ?? true;
  }

  /** The device's credential lookup: the gateway's credential by value, if its key is pinned (or pinned now, on first use). */
  lookup = (id: IdCred): Credential | undefined => {
    if (id.kind !== 'kccs' && id.kind !== 'x5chain') return undefined;
    const fp = id.credential.fingerprint;
    if (this.opts.pins.length > 0) return this.opts.pins.includes(fp) ? id.credential : undefined;
    return this.memory.pinnedOnFirstUse === null || this.memory.pinnedOnFirstUse === fp ? id.credential : undefined;
  };

  newInitiator(): Initiator {
    return new Initiator({ method: this.opts.method, suites: this.opts.suites, auth: this.opts.auth, lookupCredential: this.lookup });
  }

  /**
   * message_1 -> message_2 through `post` (one round trip, two after a suite negotiation, RFC 9528
   * §6.3): message_3 ready, or the gateway's error answer.
   */
  async firstHalf(post: (payload: Uint8Array) => Promise<EdhocAnswer>): Promise<({ ok: true } & EdhocHalf) | { ok: false; answer: EdhocAnswer }> {
    const initiator = this.newInitiator();
    for (let attempt = 0; attempt < 2; attempt++) {
      const m1 = initiator.start();
      if (!m1.ok) throw m1.error;
      const answer = await post(encodeCidPayload(true, m1.value));
      const step = initiator.handleMessage2(answer.payload);
      if (step.ok) {
        const fp = step.value.session.peer.fingerprint;
        if (this.opts.pins.length === 0) this.memory.pinnedOnFirstUse ??= fp;
        return { ok: true, ...step.value };
      }
      if (initiator.state !== 'start') return { ok: false, answer };
    }
    return { ok: false, answer: { code: '4.00', payload: new Uint8Array(0) } };
  }

  /**
   * The first half over a SimRadio; with `combined` off also message_3 in its own POST. Resolves
   * with the half whose message_3 still has to go (combined) or the finished context's keys.
   * Throws EdhocRefusedError when the gateway refuses (a pending or rejected key: 4.03).
   */
  async enrol(radio: SimRadio, to: Address, ep?: string): Promise<{ half: EdhocHalf; keys: OscoreKeys; pendingMessage3: boolean }> {
    this.stats.enrolments++;
    const post = (payload: Uint8Array): Promise<EdhocAnswer> => this.post(radio, to, payload, ep);
    try {
      const h = await this.firstHalf(post);
      if (!h.ok) throw new EdhocRefusedError(h.answer.code, diagnosticOf(h.answer.payload));
      const half = { message3: h.message3, session: h.session };
      if (this.combined) return { half, keys: oscoreKeysOf(h.session), pendingMessage3: true };
      const done = await post(encodeCidPayload(h.session.cR, h.message3));
      if (!done.code.startsWith('2.')) throw new EdhocRefusedError(done.code, diagnosticOf(done.payload));
      return { half, keys: oscoreKeysOf(h.session), pendingMessage3: false };
    } catch (err) {
      this.stats.failures++;
      throw err;
    }
  }

  /** Counts the combined request's extra bytes (message_3 and the EDHOC option in the first OSCORE request). */
  countCombined(bytes: number): void {
    this.stats.combinedBytes += bytes;
  }

  /** The combined request's message_3 was refused (an unprotected answer): counted, and the error to throw. */
  refusedCombined(answer: EdhocAnswer): EdhocRefusedError {
    this.stats.failures++;
    return new EdhocRefusedError(answer.code, diagnosticOf(answer.payload));
  }

  /** POST to /.well-known/edhoc as application/cid-edhoc+cbor-seq, confirmable (retransmitted by the radio). */
  private async post(radio: SimRadio, to: Address, payload: Uint8Array, ep?: string): Promise<EdhocAnswer> {
    const options = [...EDHOC_PATH.map((p) => ({ name: 'Uri-Path' as const, value: Buffer.from(p) })), { name: 'Content-Format' as const, value: uint(CF_CID_EDHOC) }];
    let size = 1;
    const r = await radio.exchange(to, (messageId, token) => {
      const bytes = generate({ code: 'POST', messageId, token, confirmable: true, options, payload: Buffer.from(payload) });
      size = bytes.length;
      // Plain CoAP has no twin of an EDHOC message: 0 bytes in the cost beside plain CoAP.
      return { bytes, plainBytes: 0, ...(ep !== undefined ? { ep } : {}) };
    });
    this.stats.roundTrips++;
    // Retransmissions included: the radio sent the same datagram bytesUp / size times.
    this.stats.datagramsUp += Math.round(r.bytesUp / size);
    this.stats.bytesUp += r.bytesUp;
    this.stats.datagramsDown++;
    this.stats.bytesDown += r.bytesDown;
    const p = parse(r.raw);
    return { code: p.code, payload: p.payload };
  }
}
