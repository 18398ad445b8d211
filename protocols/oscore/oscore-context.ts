/**
 * Security context derivation (RFC 8613 §3.2): Sender Key, Recipient Key and Common IV from the
 * Master Secret and Salt with HKDF-SHA-256, each with its own CBOR `info` array (§3.2.1):
 *
 *   info = [ id : bstr, id_context : bstr / nil, alg_aead : int, type : "Key" / "IV", L : uint ]
 *
 * Only the mandatory algorithms: AES-CCM-16-64-128 (COSE alg 10) and HKDF SHA-256. The context is
 * immutable; the Sender Sequence Number (sequence-store.ts) and the Replay Window
 * (replay-window.ts) are the caller's mutable state next to it.
 */
import { hkdfSync } from 'node:crypto';
import { encodeCbor } from '../cbor.js';
import { OscoreError } from './oscore-errors.js';

/** RFC 8152 §10.2: AES-CCM-16-64-128 (16-byte key, 13-byte nonce, 8-byte tag); RFC 8613 §3.2 default. */
export const AES_CCM_16_64_128 = { alg: 10, keyBytes: 16, nonceBytes: 13, tagBytes: 8 } as const;

/** RFC 8613 §3.3: Sender and Recipient IDs are at most nonce length - 6 = 7 bytes. */
export const MAX_ID_BYTES = AES_CCM_16_64_128.nonceBytes - 6;

/** The pre-established input parameters (RFC 8613 §3.2). */
export interface OscoreContextInput {
  masterSecret: Buffer;
  /** Default: the empty byte string (RFC 8613 §3.2). */
  masterSalt?: Buffer;
  senderId: Buffer;
  recipientId: Buffer;
  /** ID Context; absent means nil in `info` (RFC 8613 §3.2.1). */
  idContext?: Buffer | null;
}

/** A derived security context (RFC 8613 §3.1), immutable. */
export interface OscoreContext {
  readonly alg: number;
  readonly senderId: Buffer;
  readonly recipientId: Buffer;
  readonly idContext: Buffer | null;
  readonly senderKey: Buffer;
  readonly recipientKey: Buffer;
  readonly commonIv: Buffer;
}

/** RFC 8613 §3.2.1: the serialized `info` array for one output parameter. */
export function kdfInfo(id: Buffer, idContext: Buffer | null, type: 'Key' | 'IV', length: number): Buffer {
  return encodeCbor([id, idContext, AES_CCM_16_64_128.alg, type, length]);
}

function hkdf(salt: Buffer, secret: Buffer, info: Buffer, length: number): Buffer {
  // RFC 8613 §3.2.1 / RFC 5869 §2.2: an empty salt is HMAC'd as a string of zeros.
  return Buffer.from(hkdfSync('sha256', secret, salt, info, length));
}

export function deriveContext(input: OscoreContextInput): OscoreContext {
  const { masterSecret, senderId, recipientId } = input;
  const salt = input.masterSalt ?? Buffer.alloc(0);
  const idContext = input.idContext ?? null;
  if (masterSecret.length === 0) throw new OscoreError('invalid_context', 'empty Master Secret');
  for (const [name, id] of [['Sender ID', senderId], ['Recipient ID', recipientId]] as const) {
    if (id.length > MAX_ID_BYTES) throw new OscoreError('invalid_context', `${name} of ${id.length} bytes; at most ${MAX_ID_BYTES} (RFC 8613 §3.3)`);
  }
  // RFC 8613 §3.3: equal IDs would give both endpoints one key and the same nonces.
  if (senderId.equals(recipientId)) throw new OscoreError('invalid_context', 'Sender ID equals Recipient ID');
  const { keyBytes, nonceBytes, alg } = AES_CCM_16_64_128;
  return {
    alg,
    senderId: Buffer.from(senderId),
    recipientId: Buffer.from(recipientId),
    idContext: idContext && Buffer.from(idContext),
    senderKey: hkdf(salt, masterSecret, kdfInfo(senderId, idContext, 'Key', keyBytes), keyBytes),
    recipientKey: hkdf(salt, masterSecret, kdfInfo(recipientId, idContext, 'Key', keyBytes), keyBytes),
    // RFC 8613 §3.2.1: the Common IV's id is the empty byte string.
    commonIv: hkdf(salt, masterSecret, kdfInfo(Buffer.alloc(0), idContext, 'IV', nonceBytes), nonceBytes),
  };
}
