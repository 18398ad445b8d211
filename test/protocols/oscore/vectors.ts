/** RFC 8613 Appendix C vectors (test/vectors/oscore/rfc8613-appendix-c.json), typed, and helpers. */
import { readFileSync } from 'node:fs';
import { deriveContext, type OscoreContext } from '../../../protocols/oscore/index.js';

export interface DerivationVector {
  name: string;
  masterSecret: string;
  masterSalt: string | null;
  senderId: string;
  recipientId: string;
  idContext: string | null;
  infoSenderKey: string;
  infoRecipientKey: string;
  infoCommonIv: string;
  senderKey: string;
  recipientKey: string;
  commonIv: string;
  senderNonce: string;
  recipientNonce: string;
}

interface ProtectedVector {
  name: string;
  unprotected: string;
  senderSequenceNumber: number;
  partialIv: string | null;
  aadArray: string;
  aad: string;
  plaintext: string;
  encryptionKey: string;
  nonce: string;
  option: string;
  ciphertext: string;
  protected: string;
}

export interface RequestVector extends ProtectedVector {
  clientContext: string;
  serverContext: string;
  partialIv: string;
  kid: string;
  kidContext: string | null;
}

export interface ResponseVector extends ProtectedVector {
  request: string;
}

export interface OscoreVectors {
  source: string;
  derivation: DerivationVector[];
  requests: RequestVector[];
  responses: ResponseVector[];
  aadExample: { alg: number; requestKid: string; requestPiv: string; aadArray: string; externalAad: string; aad: string };
  compression: Array<{ name: string; partialIv: string | null; kidContext: string | null; kid: string | null; option: string }>;
}

export const VECTORS_PATH = new URL('../../vectors/oscore/rfc8613-appendix-c.json', import.meta.url);
export const VECTORS = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as OscoreVectors;

export const hex = (s: string): Buffer => Buffer.from(s, 'hex');
export const orNull = (s: string | null): Buffer | null => (s === null ? null : hex(s));

export function derivation(name: string): DerivationVector {
  const d = VECTORS.derivation.find((v) => v.name === name);
  if (!d) throw new Error(`no derivation vector ${name}`);
  return d;
}

export function contextOf(name: string): OscoreContext {
  const d = derivation(name);
  return deriveContext({
    masterSecret: hex(d.masterSecret),
    masterSalt: d.masterSalt === null ? undefined : hex(d.masterSalt),
    senderId: hex(d.senderId),
    recipientId: hex(d.recipientId),
    idContext: orNull(d.idContext),
  });
}

export function requestVector(name: string): RequestVector {
  const r = VECTORS.requests.find((v) => v.name === name);
  if (!r) throw new Error(`no request vector ${name}`);
  return r;
}
