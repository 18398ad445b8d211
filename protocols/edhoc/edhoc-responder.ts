/**
 * The EDHOC Responder as a pure state machine (RFC 9528 §5, Appendix I.2) serving many sessions:
 * each message_1, a replayed one included, opens a new half-open session under a fresh C_R, held
 * in a bounded table until its message_3 arrives (oldest evicted and counted). No I/O, no timers.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { signatureOrMac, verifySignatureOrMac } from './edhoc-auth.js';
import { encodeIdCred, encodeIdCredCompact } from './edhoc-credentials.js';
import { CURVES, aeadDecrypt, aeadEncrypt } from './edhoc-crypto.js';
import { checkEad, encodeEad, type EadItem } from './edhoc-ead.js';
import { EdhocError } from './edhoc-errors.js';
import { encodeIdentifier, hex, isOneByteInt, sameBytes } from './edhoc-identifiers.js';
import {
  encodeCiphertextMessage,
  encodeMessage2,
  encodePlaintext2,
  isErrorMessage,
  parseCiphertextMessage,
  parseErrorMessage,
  parseMessage1,
  parsePlaintext,
  type Message1,
} from './edhoc-messages.js';
import {
  aeadKeys,
  derivePrk2e,
  deriveAuthPrk,
  derivePrkOut,
  encStructure,
  keystream2,
  noTrace,
  transcriptHash2,
  transcriptHashNext,
  xor,
  type TraceSink,
} from './edhoc-schedule.js';
import { HalfOpenSessions } from './edhoc-session-table.js';
import { EdhocSession, failStep, keyFits, resolvePeer, type CredentialLookup, type EdhocStep, type LocalAuth } from './edhoc-session.js';
import { METHODS, suiteById, type AuthKind, type CipherSuite } from './edhoc-suites.js';

export const DEFAULT_MAX_SESSIONS = 32;

export interface ResponderConfig {
  /** Methods accepted (RFC 9528 §3.2). */
  readonly methods: readonly number[];
  /** Cipher suites supported. */
  readonly suites: readonly number[];
  /** Own keys; per session the first that fits the method and the selected suite is used. */
  readonly auth: readonly LocalAuth[];
  readonly lookupCredential: CredentialLookup;
  /** Half-open sessions kept at most (default DEFAULT_MAX_SESSIONS). */
  readonly maxSessions?: number;
  /** Picks C_R for a session (tests inject RFC 9529's); default: a free one-byte identifier. */
  readonly chooseConnectionId?: (cI: Uint8Array) => Uint8Array;
  /** C_R values to avoid besides open sessions, e.g. OSCORE Recipient IDs in use (RFC 9668 §4.1.2). */
  readonly connectionIdInUse?: (id: Uint8Array) => boolean;
  /** Ephemeral private key per session (tests inject RFC 9529's Y); default random. */
  readonly ephemeralKey?: (suite: CipherSuite) => Uint8Array;
  /** Send message_4 after message_3 (RFC 9528 §5.5). Default false. */
  readonly sendMessage4?: boolean;
  readonly ead2?: readonly EadItem[];
  readonly ead4?: readonly EadItem[];
  readonly understoodEad?: readonly number[];
  readonly onTrace?: TraceSink;
}

interface HalfOpen {
  readonly suite: CipherSuite;
  readonly method: number;
  readonly initiatorAuth: AuthKind;
  readonly cI: Uint8Array;
  readonly cR: Uint8Array;
  readonly y: Uint8Array;
  readonly gY: Uint8Array;
  readonly prk3e2m: Uint8Array;
  readonly th3: Uint8Array;
}

export interface ResponderCounters {
  message1: number;
  completed: number;
  failed: number;
}

export class Responder {
  readonly counters: ResponderCounters = { message1: 0, completed: 0, failed: 0 };
  private readonly sessions: HalfOpenSessions<HalfOpen>;
  private readonly t: TraceSink;

  constructor(private readonly config: ResponderConfig) {
    this.sessions = new HalfOpenSessions(config.maxSessions ?? DEFAULT_MAX_SESSIONS);
    this.t = config.onTrace ?? noTrace;
  }

  /** Sessions waiting for message_3. */
  get halfOpen(): number {
    return this.sessions.size;
  }

  /** Whether a half-open session holds `cR` (hex): it is not free for another use until message_3 or eviction. */
  hasOpenSession(cRHex: string): boolean {
    return this.sessions.has(cRHex);
  }

  /** Half-open sessions evicted to make room (replayed or abandoned message_1s). */
  get evicted(): number {
    return this.sessions.evicted;
  }

  /** Processes message_1 (§5.2.3) and composes message_2 (§5.3.2) in a new session. */
  handleMessage1(bytes: Uint8Array): EdhocStep<{ message2: Uint8Array; cR: Uint8Array; ead: EadItem[] }> {
    this.counters.message1++;
    try {
      const m1 = parseMessage1(bytes);
      const { suite, kinds, auth } = this.negotiate(m1);
      const ead = checkEad(m1.ead, this.config.understoodEad ?? []);
      return { ok: true, value: { ...this.composeMessage2(bytes, m1, suite, kinds, auth), ead } };
    } catch (err) {
      this.counters.failed++;
      return failStep(err);
    }
  }

  /** Processes message_3 (§5.4.3) of the session C_R names; composes message_4 if configured. */
  handleMessage3(cR: Uint8Array, bytes: Uint8Array): EdhocStep<{ session: EdhocSession; message4: Uint8Array | null }> {
    const s = this.sessions.take(hex(cR));
    if (!s) return failStep(new EdhocError('unknown_session', undefined, { details: { cR: hex(cR) } }));
    try {
      if (isErrorMessage(bytes)) {
        const msg = parseErrorMessage(bytes);
        throw new EdhocError('peer_error', `Peer sent ERR_CODE ${msg.errCode}`, { peerErrCode: msg.errCode, peerErrInfo: msg.errInfo });
      }
      const value = this.processMessage3(s, bytes);
      this.counters.completed++;
      return { ok: true, value };
    } catch (err) {
      this.counters.failed++;
      return failStep(err);
    }
  }

  /** §5.2.3, §6.3.2: the selected suite must be the first of SUITES_I this Responder supports. */
  private negotiate(m1: Message1): { suite: CipherSuite; kinds: { initiator: AuthKind; responder: AuthKind }; auth: LocalAuth } {
    const kinds = METHODS.get(m1.method);
    if (!kinds || !this.config.methods.includes(m1.method)) throw new EdhocError('unsupported_method', undefined, { details: { method: m1.method } });
    const supported = (s: number): boolean => this.config.suites.includes(s) && suiteById(s) !== undefined;
    const selected = m1.suites[m1.suites.length - 1] as number;
    const firstSupported = m1.suites.find(supported);
    if (firstSupported === undefined || firstSupported !== selected) {
      // §6.3.1: SUITES_R holds the Initiator's most preferred suite we support, else all of ours.
      const suitesR = firstSupported !== undefined ? [firstSupported] : this.config.suites.filter(supported);
      throw new EdhocError('unsupported_suite', undefined, { suitesR, details: { suitesI: m1.suites } });
    }
    const suite = suiteById(selected) as CipherSuite;
    if (m1.gX.length !== CURVES[suite.curve].keyLength) throw new EdhocError('invalid_public_key', 'G_X has the wrong length'); // RFC 9529 §4.2.6
    const auth = this.config.auth.find((a) => keyFits(a.credential, suite, kinds.responder));
    if (!auth) throw new EdhocError('unsupported_method', 'No own key fits this method and cipher suite');
    return { suite, kinds, auth };
  }

  private composeMessage2(
    message1: Uint8Array,
    m1: Message1,
    suite: CipherSuite,
    kinds: { initiator: AuthKind; responder: AuthKind },
    auth: LocalAuth,
  ): { message2: Uint8Array; cR: Uint8Array } {
    const t = this.t;
    const curve = CURVES[suite.curve];
    const y = this.config.ephemeralKey?.(suite) ?? curve.randomPrivateKey();
    const gY = curve.publicKey(y);
    t('G_Y', gY);
    const cR = this.allocateConnectionId(m1.cI);
    const th2 = transcriptHash2(message1, gY, t);
    const prk2e = derivePrk2e(th2, curve.ecdh(y, m1.gX), t);
    const gRX = kinds.responder === 'static-dh' ? curve.ecdh(auth.privateKey, m1.gX) : null;
    const prk3e2m = deriveAuthPrk('3e2m', prk2e, th2, gRX, t);
    const sm2 = signatureOrMac(
      { n: 2, suite, auth: kinds.responder, prk: prk3e2m, cREncoded: encodeIdentifier(cR), idCred: encodeIdCred(auth.idCred), th: th2, cred: auth.credential.bytes, ead: encodeEad(this.config.ead2) },
      auth.privateKey,
      t,
    );
    const plaintext2 = encodePlaintext2(cR, encodeIdCredCompact(auth.idCred), sm2, this.config.ead2 ?? []);
    t('PLAINTEXT_2', plaintext2);
    const ciphertext2 = xor(plaintext2, keystream2(prk2e, th2, plaintext2.length, t));
    t('CIPHERTEXT_2', ciphertext2);
    const message2 = encodeMessage2(gY, ciphertext2);
    t('message_2', message2);
    const th3 = transcriptHashNext(3, th2, plaintext2, auth.credential.bytes, t);
    this.sessions.add(hex(cR), { suite, method: m1.method, initiatorAuth: kinds.initiator, cI: m1.cI, cR, y, gY, prk3e2m, th3 });
    return { message2, cR };
  }

  private processMessage3(s: HalfOpen, bytes: Uint8Array): { session: EdhocSession; message4: Uint8Array | null } {
    const t = this.t;
    const { suite } = s;
    const ciphertext3 = parseCiphertextMessage(bytes, 'message_3');
    const { key, iv } = aeadKeys(3, s.prk3e2m, s.th3, suite, t);
    const plaintext3 = aeadDecrypt(suite, key, iv, encStructure(3, s.th3, t), ciphertext3);
    t('PLAINTEXT_3', plaintext3);
    const pt = parsePlaintext(plaintext3, 3);
    const ead3 = checkEad(pt.ead, this.config.understoodEad ?? []);
    const peer = resolvePeer(pt.idCred, this.config.lookupCredential, suite, s.initiatorAuth);
    const curve = CURVES[suite.curve];
    const gIY = s.initiatorAuth === 'static-dh' ? curve.ecdh(s.y, peer.credential.publicKey.x) : null;
    const prk4e3m = deriveAuthPrk('4e3m', s.prk3e2m, s.th3, gIY, t);
    verifySignatureOrMac(
      { n: 3, suite, auth: s.initiatorAuth, prk: prk4e3m, idCred: pt.idCredEncoded, th: s.th3, cred: peer.credential.bytes, ead: pt.eadRaw },
      pt.signatureOrMac,
      peer.credential.publicKey,
      t,
    );
    const th4 = transcriptHashNext(4, s.th3, plaintext3, peer.credential.bytes, t);
    const { prkOut } = derivePrkOut(prk4e3m, th4, t);
    const session = new EdhocSession('responder', suite, s.method, s.cI, s.cR, peer, ead3, prkOut);
    if (!this.config.sendMessage4) return { session, message4: null };
    // message_4 (§5.5.2): PLAINTEXT_4 = ( ? EAD_4 ) under K_4 / IV_4.
    const plaintext4 = encodeEad(this.config.ead4);
    t('PLAINTEXT_4', plaintext4);
    const k4 = aeadKeys(4, prk4e3m, th4, suite, t);
    const ciphertext4 = aeadEncrypt(suite, k4.key, k4.iv, encStructure(4, th4, t), plaintext4);
    t('CIPHERTEXT_4', ciphertext4);
    const message4 = encodeCiphertextMessage(ciphertext4);
    t('message_4', message4);
    return { session, message4 };
  }

  /** C_R: not C_I, not an open session's, not one the application uses (RFC 9668 §4.1.2). */
  private allocateConnectionId(cI: Uint8Array): Uint8Array {
    const free = (id: Uint8Array): boolean => !sameBytes(id, cI) && !this.sessions.has(hex(id)) && !this.config.connectionIdInUse?.(id);
    if (this.config.chooseConnectionId) {
      const id = this.config.chooseConnectionId(cI);
      if (!free(id)) throw new EdhocError('internal', 'Chosen C_R is in use');
      return id;
    }
    const start = randomInt(256);
    for (let i = 0; i < 256; i++) {
      const b = (start + i) % 256;
      if (isOneByteInt(b) && free(Uint8Array.of(b))) return Uint8Array.of(b);
    }
    for (let i = 0; i < 16; i++) {
      const id = randomBytes(2);
      if (free(id)) return id;
    }
    throw new EdhocError('internal', 'No free connection identifier');
  }
}
