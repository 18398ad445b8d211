/**
 * What both state machines share: the local identity, the peer-credential lookup and its checks,
 * the step result type, and the completed session with its exporter and OSCORE derivation.
 */
import type { Credential, IdCred } from './edhoc-credentials.js';
import { credentialMatches, describeIdCred } from './edhoc-credentials.js';
import { SIGNATURES } from './edhoc-crypto.js';
import type { EadItem } from './edhoc-ead.js';
import { EdhocError } from './edhoc-errors.js';
import { edhocExporter, edhocKeyUpdate, prkExporterOf } from './edhoc-kdf.js';
import { deriveOscoreContext, type OscoreContextInput, type OscoreDerivationOptions } from './edhoc-oscore.js';
import type { AuthKind, CipherSuite } from './edhoc-suites.js';

/** This endpoint's authentication key, its credential and how it is identified on the wire. */
export interface LocalAuth {
  /** Signature key (Ed25519 seed / P-256 scalar) or static DH key, matching the credential. */
  readonly privateKey: Uint8Array;
  readonly credential: Credential;
  readonly idCred: IdCred;
}

/**
 * Finds the peer's credential from its ID_CRED (kid, x5t, or a credential sent by value). Return
 * undefined for an unknown peer: the session fails with 'unknown_credential' (ERR_CODE 3). The
 * answer is checked against the identifier (x5t hash, kid) before it is used.
 */
export type CredentialLookup = (id: IdCred) => Credential | undefined;

/** The authenticated peer: what the gateway needs to list a device by key. */
export interface PeerInfo {
  readonly idCred: IdCred;
  readonly credential: Credential;
  /** Hex SHA-256 of the peer's raw public key. */
  readonly fingerprint: string;
}

export type EdhocStep<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: EdhocError; /** EDHOC error message to send, or null. */ readonly reply: Uint8Array | null };

export function failStep(err: unknown): { ok: false; error: EdhocError; reply: Uint8Array | null } {
  const error = err instanceof EdhocError ? err : new EdhocError('internal', undefined, { cause: err });
  return { ok: false, error, reply: error.toErrorMessage() };
}

/** True when a credential's key can authenticate this way in this suite (RFC 9528 §3.5.1). */
export function keyFits(cred: Credential, suite: CipherSuite, auth: AuthKind): boolean {
  return cred.publicKey.crv === (auth === 'static-dh' ? suite.curve : SIGNATURES[suite.signature].crv);
}

export function resolvePeer(id: IdCred, lookup: CredentialLookup, suite: CipherSuite, auth: AuthKind): PeerInfo {
  const credential = lookup(id);
  if (!credential || !credentialMatches(id, credential)) {
    throw new EdhocError('unknown_credential', undefined, { details: { idCred: describeIdCred(id) } });
  }
  if (!keyFits(credential, suite, auth)) {
    throw new EdhocError('unsupported_credential', 'Peer key does not fit the method and cipher suite', { details: { idCred: describeIdCred(id) } });
  }
  return { idCred: id, credential, fingerprint: credential.fingerprint };
}

/** A completed EDHOC session (RFC 9528 §4.1.3, §4.2): PRK_out, the exporter and its OSCORE use. */
export class EdhocSession {
  private prkOutValue: Uint8Array;
  private prkExporterValue: Uint8Array;

  constructor(
    readonly role: 'initiator' | 'responder',
    readonly suite: CipherSuite,
    readonly method: number,
    readonly cI: Uint8Array,
    readonly cR: Uint8Array,
    readonly peer: PeerInfo,
    /** EAD items received in message_3 (responder) or message_2 (initiator), padding removed. */
    readonly ead: readonly EadItem[],
    prkOut: Uint8Array,
  ) {
    this.prkOutValue = prkOut;
    this.prkExporterValue = prkExporterOf(prkOut, suite.hashLength);
  }

  get prkOut(): Uint8Array {
    return this.prkOutValue;
  }

  get prkExporter(): Uint8Array {
    return this.prkExporterValue;
  }

  /** EDHOC_Exporter( label, context, length ), RFC 9528 §4.2.1. */
  exporter(label: number, context: Uint8Array, length: number): Uint8Array {
    return edhocExporter(this.prkExporterValue, label, context, length);
  }

  /** OSCORE Security Context input, RFC 9528 Appendix A.1. */
  oscore(opts: OscoreDerivationOptions = {}): OscoreContextInput {
    return deriveOscoreContext(this.prkExporterValue, this.suite, this.role, this.cI, this.cR, opts);
  }

  /** EDHOC_KeyUpdate( context ), RFC 9528 Appendix H: replaces PRK_out and PRK_exporter. */
  keyUpdate(context: Uint8Array): void {
    const next = edhocKeyUpdate(this.prkOutValue, context, this.suite.hashLength);
    this.prkOutValue = next.prkOut;
    this.prkExporterValue = next.prkExporter;
  }
}
