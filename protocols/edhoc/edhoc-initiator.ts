/**
 * The EDHOC Initiator as a pure state machine (RFC 9528 §5, Appendix I.1): no I/O, no timers.
 * start() gives message_1; handleMessage2() gives message_3 and the completed session;
 * handleMessage4() confirms the key. A wrong-cipher-suite error (ERR_CODE 2) puts it back to
 * the start, and the next start() selects from SUITES_R (§5.2.2, §6.3.2).
 */
import { randomInt } from 'node:crypto';
import { signatureOrMac, verifySignatureOrMac } from './edhoc-auth.js';
import { encodeIdCred, encodeIdCredCompact } from './edhoc-credentials.js';
import { CURVES, aeadDecrypt, aeadEncrypt } from './edhoc-crypto.js';
import { checkEad, encodeEad, type EadItem } from './edhoc-ead.js';
import { EdhocError, ERR_CODE } from './edhoc-errors.js';
import { encodeIdentifier, sameBytes } from './edhoc-identifiers.js';
import {
  encodeCiphertextMessage,
  encodeMessage1,
  encodePlaintext3,
  isErrorMessage,
  parseCiphertextMessage,
  parseErrorMessage,
  parseMessage2,
  parsePlaintext,
  parsePlaintext4,
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
import { EdhocSession, failStep, keyFits, resolvePeer, type CredentialLookup, type EdhocStep, type LocalAuth } from './edhoc-session.js';
import { METHODS, suiteById, type CipherSuite } from './edhoc-suites.js';

export interface InitiatorConfig {
  readonly method: number;
  /** Cipher suites this Initiator runs, most preferred first. */
  readonly suites: readonly number[];
  readonly auth: LocalAuth;
  readonly lookupCredential: CredentialLookup;
  /** C_I, or C_I per attempt (a retry is a new session); default a random one-byte identifier. */
  readonly connectionId?: Uint8Array | ((attempt: number) => Uint8Array);
  /** Ephemeral private key per attempt (tests inject RFC 9529's X); default random. */
  readonly ephemeralKey?: (suite: CipherSuite, attempt: number) => Uint8Array;
  readonly ead1?: readonly EadItem[];
  readonly ead3?: readonly EadItem[];
  /** EAD labels (absolute values) the application processes; critical others fail the session. */
  readonly understoodEad?: readonly number[];
  readonly onTrace?: TraceSink;
}

export type InitiatorState = 'start' | 'wait_message_2' | 'wait_message_4' | 'completed' | 'failed';

interface Pending {
  readonly suite: CipherSuite;
  readonly x: Uint8Array;
  readonly message1: Uint8Array;
}

export class Initiator {
  state: InitiatorState = 'start';
  /** Set once message_3 is composed. */
  session: EdhocSession | null = null;
  /** C_I of the current attempt. */
  cI: Uint8Array = new Uint8Array(0);
  private attempt = 0;
  private suitesR: readonly number[] | null = null;
  private pending: Pending | null = null;
  private keys: { prk4e3m: Uint8Array; th4: Uint8Array } | null = null;
  private readonly t: TraceSink;

  constructor(private readonly config: InitiatorConfig) {
    if (!METHODS.has(config.method)) throw new EdhocError('unsupported_method', `Method ${config.method} not supported`);
    const unknown = config.suites.find((s) => !suiteById(s));
    if (unknown !== undefined || config.suites.length === 0) throw new EdhocError('unsupported_suite', `Cipher suite ${unknown ?? '(none)'} not supported`);
    this.t = config.onTrace ?? noTrace;
  }

  /** Composes message_1 (§5.2.2). Again after a wrong-suite error, with a fresh ephemeral key. */
  start(): EdhocStep<Uint8Array> {
    if (this.state !== 'start') return { ...failStep(new EdhocError('unexpected_message', `start() in state ${this.state}`)), reply: null };
    try {
      const chosen = this.selectSuites();
      const suite = suiteById(chosen[chosen.length - 1] as number) as CipherSuite;
      const curve = CURVES[suite.curve];
      const x = this.config.ephemeralKey?.(suite, this.attempt) ?? curve.randomPrivateKey();
      this.attempt++;
      const id = this.config.connectionId;
      this.cI = typeof id === 'function' ? id(this.attempt - 1) : (id ?? randomOneByteId());
      const gX = curve.publicKey(x);
      this.t('G_X', gX);
      const message1 = encodeMessage1({ method: this.config.method, suites: chosen, gX, cI: this.cI, ead: this.config.ead1 ?? [] });
      this.t('message_1', message1);
      this.pending = { suite, x, message1 };
      this.state = 'wait_message_2';
      return { ok: true, value: message1 };
    } catch (err) {
      this.state = 'failed';
      // Nothing was received that an error message could answer.
      return { ...failStep(err), reply: null };
    }
  }

  /** Processes message_2 (§5.3.3) and composes message_3 (§5.4.2); or takes in an error message. */
  handleMessage2(bytes: Uint8Array): EdhocStep<{ message3: Uint8Array; session: EdhocSession }> {
    if (this.state !== 'wait_message_2' || !this.pending) return failStep(new EdhocError('unexpected_message', `message_2 in state ${this.state}`));
    if (isErrorMessage(bytes)) return this.takeError(bytes);
    try {
      return { ok: true, value: this.processMessage2(this.pending, bytes) };
    } catch (err) {
      this.state = 'failed';
      return failStep(err);
    }
  }

  /** Verifies message_4 (§5.5.3): key confirmation. */
  handleMessage4(bytes: Uint8Array): EdhocStep<{ ead: EadItem[] }> {
    if (this.state !== 'wait_message_4' || !this.keys || !this.pending) return failStep(new EdhocError('unexpected_message', `message_4 in state ${this.state}`));
    if (isErrorMessage(bytes)) return this.takeError(bytes);
    try {
      const { suite } = this.pending;
      const ciphertext4 = parseCiphertextMessage(bytes, 'message_4');
      const { key, iv } = aeadKeys(4, this.keys.prk4e3m, this.keys.th4, suite, this.t);
      const plaintext4 = aeadDecrypt(suite, key, iv, encStructure(4, this.keys.th4, this.t), ciphertext4);
      this.t('PLAINTEXT_4', plaintext4);
      const ead = checkEad(parsePlaintext4(plaintext4), this.config.understoodEad ?? []);
      this.state = 'completed';
      return { ok: true, value: { ead } };
    } catch (err) {
      this.state = 'failed';
      return failStep(err);
    }
  }

  private processMessage2(p: Pending, bytes: Uint8Array): { message3: Uint8Array; session: EdhocSession } {
    const { suite, x, message1 } = p;
    const kinds = METHODS.get(this.config.method) as { initiator: 'signature' | 'static-dh'; responder: 'signature' | 'static-dh' };
    // Checked here, not at start(): an Initiator may prefer suites its key cannot serve and still
    // negotiate down to one it can (RFC 9529 §3 does: suite 6 first, then suite 2).
    if (!keyFits(this.config.auth.credential, suite, kinds.initiator)) {
      throw new EdhocError('unsupported_credential', 'Own credential does not fit the method and the selected cipher suite');
    }
    const curve = CURVES[suite.curve];
    const t = this.t;
    const { gY, ciphertext2 } = parseMessage2(bytes, curve.keyLength);
    t('G_Y', gY);
    t('CIPHERTEXT_2', ciphertext2);
    const th2 = transcriptHash2(message1, gY, t);
    const prk2e = derivePrk2e(th2, curve.ecdh(x, gY), t);
    const plaintext2 = xor(ciphertext2, keystream2(prk2e, th2, ciphertext2.length, t));
    t('PLAINTEXT_2', plaintext2);
    const pt = parsePlaintext(plaintext2, 2);
    const cR = pt.cR as Uint8Array;
    // RFC 9668 §4.1.3 (EDHOC keying OSCORE): C_R equal to C_I cannot become two Recipient IDs.
    if (sameBytes(cR, this.cI)) throw new EdhocError('connection_id_collision', 'C_R equals C_I');
    const ead2 = checkEad(pt.ead, this.config.understoodEad ?? []);
    const peer = resolvePeer(pt.idCred, this.config.lookupCredential, suite, kinds.responder);
    const gRX = kinds.responder === 'static-dh' ? curve.ecdh(x, peer.credential.publicKey.x) : null;
    const prk3e2m = deriveAuthPrk('3e2m', prk2e, th2, gRX, t);
    verifySignatureOrMac(
      { n: 2, suite, auth: kinds.responder, prk: prk3e2m, cREncoded: encodeIdentifier(cR), idCred: pt.idCredEncoded, th: th2, cred: peer.credential.bytes, ead: pt.eadRaw },
      pt.signatureOrMac,
      peer.credential.publicKey,
      t,
    );
    const th3 = transcriptHashNext(3, th2, plaintext2, peer.credential.bytes, t);

    // message_3 (§5.4.2)
    const { auth } = this.config;
    const gIY = kinds.initiator === 'static-dh' ? curve.ecdh(auth.privateKey, gY) : null;
    const prk4e3m = deriveAuthPrk('4e3m', prk3e2m, th3, gIY, t);
    const ead3 = encodeEad(this.config.ead3);
    const idCredI = encodeIdCred(auth.idCred);
    const sm3 = signatureOrMac({ n: 3, suite, auth: kinds.initiator, prk: prk4e3m, idCred: idCredI, th: th3, cred: auth.credential.bytes, ead: ead3 }, auth.privateKey, t);
    const plaintext3 = encodePlaintext3(encodeIdCredCompact(auth.idCred), sm3, this.config.ead3 ?? []);
    t('PLAINTEXT_3', plaintext3);
    const { key, iv } = aeadKeys(3, prk3e2m, th3, suite, t);
    const ciphertext3 = aeadEncrypt(suite, key, iv, encStructure(3, th3, t), plaintext3);
    t('CIPHERTEXT_3', ciphertext3);
    const message3 = encodeCiphertextMessage(ciphertext3);
    t('message_3', message3);
    const th4 = transcriptHashNext(4, th3, plaintext3, auth.credential.bytes, t);
    const { prkOut } = derivePrkOut(prk4e3m, th4, t);
    this.keys = { prk4e3m, th4 };
    this.session = new EdhocSession('initiator', suite, this.config.method, this.cI, cR, peer, ead2, prkOut);
    this.state = 'wait_message_4';
    return { message3, session: this.session };
  }

  /** §6: an error message ends the session; ERR_CODE 2 allows a new start with SUITES_R. */
  private takeError(bytes: Uint8Array): { ok: false; error: EdhocError; reply: null } {
    let error: EdhocError;
    try {
      const msg = parseErrorMessage(bytes);
      error = new EdhocError('peer_error', `Peer sent ERR_CODE ${msg.errCode}`, { peerErrCode: msg.errCode, peerErrInfo: msg.errInfo });
      if (msg.errCode === ERR_CODE.WRONG_SELECTED_SUITE && this.state === 'wait_message_2') {
        this.suitesR = msg.errInfo as number[];
        this.state = 'start';
        this.pending = null;
        return { ok: false, error, reply: null };
      }
    } catch (err) {
      error = new EdhocError('peer_error', 'Malformed error message received', { cause: err });
    }
    this.state = 'failed';
    return { ok: false, error, reply: null };
  }

  /** SUITES_I: own preferences up to the selected suite (§5.2.2), from SUITES_R after an error. */
  private selectSuites(): number[] {
    const prefs = this.config.suites;
    let selected = 0;
    if (this.suitesR) {
      const suitesR = this.suitesR;
      selected = prefs.findIndex((s) => suitesR.includes(s));
      if (selected < 0) throw new EdhocError('unsupported_suite', 'No common cipher suite with the Responder');
    }
    return prefs.slice(0, selected + 1);
  }
}

/** A random identifier with a one-byte encoding (RFC 9528 §3.3.2). */
export function randomOneByteId(): Uint8Array {
  const pick = randomInt(48);
  return Uint8Array.of(pick < 24 ? pick : 0x20 + pick - 24);
}
