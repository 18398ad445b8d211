/**
 * Authentication credentials (RFC 9528 §3.5.2) and their identifiers (§3.5.3): CWT Claims Sets
 * with a COSE_Key in 'cnf' (RFC 8392, RFC 8747), identified by 'kid' or sent by value ('kccs');
 * X.509 certificates (RFC 9360) identified by 'x5t' or sent by value ('x5chain', one certificate).
 * A credential carries a stable fingerprint: hex SHA-256 of its raw public key bytes.
 */
import { X509Certificate } from 'node:crypto';
import { encodeCbor } from '../cbor.js';
import { bstr, readItem, rawOf, type CborItem } from './edhoc-cbor.js';
import { publicKeyBytes, sha256, type PublicKey } from './edhoc-crypto.js';
import { EdhocError } from './edhoc-errors.js';
import { decodeIdentifier, encodeIdentifier, hex, sameBytes } from './edhoc-identifiers.js';

/** COSE header labels used in ID_CRED fields (RFC 9052 §3.1, RFC 9360 §2, RFC 9528 §10.6). */
export const HEADER = { KID: 4, KCCS: 14, X5CHAIN: 33, X5T: 34 } as const;
/** COSE_Key labels and values (RFC 9052 §7, RFC 9053 §7). */
const KEY = { KTY: 1, KID: 2, CRV: -1, X: -2, Y: -3 } as const;
const KTY = { OKP: 1, EC2: 2 } as const;
const CRV_BY_ID: ReadonlyMap<number, PublicKey['crv']> = new Map([[1, 'p256'], [4, 'x25519'], [6, 'ed25519']]);
const CRV_ID: Readonly<Record<PublicKey['crv'], number>> = { p256: 1, x25519: 4, ed25519: 6 };
/** CWT claims (RFC 8392 §4, RFC 8747 §3.1). */
const CLAIM = { SUB: 2, CNF: 8, COSE_KEY: 1 } as const;
/** x5t hash algorithms: -15 SHA-256/64, -16 SHA-256 (RFC 9054). */
const X5T_ALGS: ReadonlyMap<number, number> = new Map([[-15, 8], [-16, 32]]);

export interface Credential {
  readonly type: 'ccs' | 'x509';
  /** CRED_x as it enters context_x and the transcript: the CCS map, or the DER certificate as a bstr. */
  readonly bytes: Uint8Array;
  readonly publicKey: PublicKey;
  /** COSE_Key 'kid' of a CCS. */
  readonly kid?: Uint8Array;
  /** DER of an X.509 certificate. */
  readonly der?: Uint8Array;
  /** CCS 'sub' claim, or the certificate subject. */
  readonly subject?: string;
  /** Hex SHA-256 of the raw public key (publicKeyBytes): stable whatever the credential's wrapping. */
  readonly fingerprint: string;
}

export type IdCred =
  | { readonly kind: 'kid'; readonly kid: Uint8Array }
  | { readonly kind: 'x5t'; readonly alg: number; readonly hash: Uint8Array }
  | { readonly kind: 'kccs'; readonly credential: Credential }
  | { readonly kind: 'x5chain'; readonly credential: Credential };

export function fingerprintOf(key: PublicKey): string {
  return hex(sha256(publicKeyBytes(key)));
}

/** Parses CRED_x bytes of a CCS: { ? 2: sub, 8: { 1: COSE_Key } }. */
export function ccsCredential(bytes: Uint8Array): Credential {
  const item = readItem(bytes, 0);
  if (item.end !== bytes.length) throw new EdhocError('malformed', 'CCS followed by extra bytes');
  return ccsFromItem(bytes, item);
}

function ccsFromItem(bytes: Uint8Array, item: CborItem): Credential {
  const claims = mapOf(item, 'CCS');
  const cnf = claims.get(CLAIM.CNF);
  if (!cnf) throw new EdhocError('unsupported_credential', 'CCS without cnf claim');
  const coseKey = mapOf(cnf, 'cnf').get(CLAIM.COSE_KEY);
  if (!coseKey) throw new EdhocError('unsupported_credential', 'cnf without COSE_Key');
  const key = mapOf(coseKey, 'COSE_Key');
  const kty = intOf(key.get(KEY.KTY));
  const crv = CRV_BY_ID.get(intOf(key.get(KEY.CRV)) ?? NaN);
  const x = bstrOf(key.get(KEY.X));
  const y = bstrOf(key.get(KEY.Y));
  if (!crv || !x || x.length !== 32) throw new EdhocError('unsupported_credential', 'COSE_Key curve or x not supported');
  if ((crv === 'p256') !== (kty === KTY.EC2) || (crv === 'p256' && y?.length !== 32)) {
    throw new EdhocError('unsupported_credential', 'COSE_Key type does not fit its curve');
  }
  const publicKey: PublicKey = crv === 'p256' ? { crv, x, y: y as Uint8Array } : { crv, x };
  const sub = claims.get(CLAIM.SUB);
  const kid = bstrOf(key.get(KEY.KID));
  return {
    type: 'ccs',
    bytes: Uint8Array.from(rawOf(bytes, item)),
    publicKey,
    ...(kid ? { kid: Uint8Array.from(kid) } : {}),
    ...(sub?.type === 'tstr' ? { subject: sub.value } : {}),
    fingerprint: fingerprintOf(publicKey),
  };
}

/** Builds a CCS in the layout RFC 9529 §3 uses: { 2: sub, 8: { 1: { 1, 2, -1, -2, -3 } } }. */
export function makeCcs(publicKey: PublicKey, opts: { sub?: string; kid?: Uint8Array } = {}): Credential {
  const key = new Map<number, unknown>([[KEY.KTY, publicKey.crv === 'p256' ? KTY.EC2 : KTY.OKP]]);
  if (opts.kid) key.set(KEY.KID, Buffer.from(opts.kid));
  key.set(KEY.CRV, CRV_ID[publicKey.crv]);
  key.set(KEY.X, Buffer.from(publicKey.x));
  if (publicKey.y) key.set(KEY.Y, Buffer.from(publicKey.y));
  const claims = new Map<number, unknown>();
  if (opts.sub !== undefined) claims.set(CLAIM.SUB, opts.sub);
  claims.set(CLAIM.CNF, new Map([[CLAIM.COSE_KEY, key]]));
  return ccsCredential(encodeCbor(claims));
}

/** An X.509 credential from DER (RFC 9360): CRED_x is the DER as a bstr. */
export function x509Credential(der: Uint8Array): Credential {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (err) {
    throw new EdhocError('unsupported_credential', 'Certificate does not parse', { cause: err });
  }
  const jwk = cert.publicKey.export({ format: 'jwk' });
  const crv = ({ Ed25519: 'ed25519', X25519: 'x25519', 'P-256': 'p256' } as const)[jwk.crv as 'Ed25519' | 'X25519' | 'P-256'];
  if (!crv || !jwk.x) throw new EdhocError('unsupported_credential', 'Certificate key type not supported');
  const x = Buffer.from(jwk.x, 'base64url');
  const publicKey: PublicKey = crv === 'p256' ? { crv, x, y: Buffer.from(jwk.y ?? '', 'base64url') } : { crv, x };
  return { type: 'x509', bytes: bstr(der), der: Uint8Array.from(der), publicKey, subject: cert.subject, fingerprint: fingerprintOf(publicKey) };
}

/** The identifier of a local credential: by 'kid', by 'x5t' (SHA-256/64), or by value. */
export function idCredOf(cred: Credential, by: 'kid' | 'x5t' | 'value'): IdCred {
  if (by === 'value') return cred.type === 'ccs' ? { kind: 'kccs', credential: cred } : { kind: 'x5chain', credential: cred };
  if (by === 'kid') {
    if (!cred.kid) throw new EdhocError('unsupported_credential', 'Credential has no kid');
    return { kind: 'kid', kid: cred.kid };
  }
  if (!cred.der) throw new EdhocError('unsupported_credential', 'x5t needs an X.509 credential');
  return { kind: 'x5t', alg: -15, hash: sha256(cred.der).subarray(0, 8) };
}

/** ID_CRED_x as a COSE header map, the form it has in context_x and the Sig_structure. */
export function encodeIdCred(id: IdCred): Uint8Array {
  switch (id.kind) {
    case 'kid':
      return encodeCbor(new Map([[HEADER.KID, Buffer.from(id.kid)]]));
    case 'x5t':
      return encodeCbor(new Map([[HEADER.X5T, [id.alg, Buffer.from(id.hash)]]]));
    case 'kccs':
      return Buffer.concat([Uint8Array.of(0xa1, HEADER.KCCS), id.credential.bytes]);
    case 'x5chain':
      return Buffer.concat([Uint8Array.of(0xa1, 0x18, HEADER.X5CHAIN), id.credential.bytes]);
  }
}

/** ID_CRED_x as PLAINTEXT_2/3 carries it: compact when it is { 4: kid } alone (RFC 9528 §3.5.3.2). */
export function encodeIdCredCompact(id: IdCred): Uint8Array {
  return id.kind === 'kid' ? encodeIdentifier(id.kid) : encodeIdCred(id);
}

/** Parses ID_CRED_x from a plaintext item; returns it with its header-map encoding. */
export function parseIdCred(bytes: Uint8Array, item: CborItem): { id: IdCred; encoded: Uint8Array } {
  if (item.type === 'int' || item.type === 'bstr') {
    const id: IdCred = { kind: 'kid', kid: decodeIdentifier(bytes, item, 'ID_CRED kid') };
    return { id, encoded: encodeIdCred(id) };
  }
  if (item.type !== 'map') throw new EdhocError('malformed', 'ID_CRED is not a map, bstr or int');
  const encoded = Uint8Array.from(rawOf(bytes, item));
  const headers = new Map(item.entries.map(([k, v]) => [k.type === 'int' ? k.value : NaN, v]));
  // RFC 9529 §4.1.6: { 4: kid } alone must have been sent compact.
  if (headers.size === 1 && headers.has(HEADER.KID)) throw new EdhocError('malformed', 'ID_CRED { 4: kid } not in compact form');
  const x5t = headers.get(HEADER.X5T);
  if (x5t?.type === 'array' && x5t.items.length === 2) {
    const [alg, hash] = x5t.items;
    if (alg?.type === 'int' && hash?.type === 'bstr' && X5T_ALGS.get(alg.value) === hash.value.length) {
      return { id: { kind: 'x5t', alg: alg.value, hash: Uint8Array.from(hash.value) }, encoded };
    }
    throw new EdhocError('unsupported_credential', 'x5t hash algorithm not supported');
  }
  const kccs = headers.get(HEADER.KCCS);
  if (kccs) return { id: { kind: 'kccs', credential: ccsFromItem(bytes, kccs) }, encoded };
  const chain = headers.get(HEADER.X5CHAIN);
  if (chain) {
    const first = chain.type === 'array' ? chain.items[0] : chain;
    if (first?.type !== 'bstr') throw new EdhocError('malformed', 'x5chain is not a bstr');
    return { id: { kind: 'x5chain', credential: x509Credential(first.value) }, encoded };
  }
  throw new EdhocError('unsupported_credential', 'ID_CRED has no supported header parameter');
}

/** True when a credential is the one an identifier names (the lookup's answer is checked, not trusted). */
export function credentialMatches(id: IdCred, cred: Credential): boolean {
  switch (id.kind) {
    case 'kid':
      return cred.kid === undefined || sameBytes(cred.kid, id.kid);
    case 'x5t':
      return cred.der !== undefined && sameBytes(sha256(cred.der).subarray(0, id.hash.length), id.hash);
    default:
      return true;
  }
}

/** A readable form of an identifier for logs and the pending-device list. */
export function describeIdCred(id: IdCred): Record<string, string> {
  switch (id.kind) {
    case 'kid':
      return { kind: 'kid', kid: hex(id.kid) };
    case 'x5t':
      return { kind: 'x5t', x5t: hex(id.hash) };
    default:
      return { kind: id.kind, fingerprint: id.credential.fingerprint };
  }
}

function mapOf(item: CborItem, what: string): Map<number, CborItem> {
  if (item.type !== 'map') throw new EdhocError('unsupported_credential', `${what} is not a map`);
  return new Map(item.entries.filter(([k]) => k.type === 'int').map(([k, v]) => [(k as { value: number }).value, v]));
}

function intOf(item: CborItem | undefined): number | undefined {
  return item?.type === 'int' ? item.value : undefined;
}

function bstrOf(item: CborItem | undefined): Uint8Array | undefined {
  return item?.type === 'bstr' ? item.value : undefined;
}
