/**
 * Partial IV encoding (RFC 8613 §5) and the AEAD nonce (RFC 8613 §5.2, Figure 8):
 *
 *   nonce = Common IV XOR ( S | ID_PIV left-padded to nonce length - 6 | PIV left-padded to 5 )
 *
 * where ID_PIV is the Sender ID of the endpoint that generated the Partial IV and S its length.
 */
import { OscoreError } from './oscore-errors.js';
import { MAX_PARTIAL_IV_BYTES } from './oscore-option.js';

/** RFC 8613 §7.2.1 and §12.6: Sender Sequence Numbers stay below 2^40. */
export const MAX_SEQUENCE_NUMBER = 2 ** 40 - 1;

/** RFC 8613 §5: the Sender Sequence Number in network byte order without leading zero bytes; 0 is 0x00. */
export function encodePartialIv(seq: number): Buffer {
  if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQUENCE_NUMBER) {
    throw new OscoreError('sequence_exhausted', `sequence number ${seq} outside 0..2^40-1`);
  }
  const bytes: number[] = [];
  for (let n = seq; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from(bytes.length > 0 ? bytes : [0]);
}

/** The sequence number a Partial IV (1-5 bytes) carries. */
export function partialIvValue(piv: Buffer): number {
  let n = 0;
  for (const b of piv) n = n * 256 + b;
  return n;
}

/** RFC 8613 §5.2: builds the nonce; `idPiv` is at most nonce length - 6 bytes (§3.3), `piv` at most 5. */
export function buildNonce(commonIv: Buffer, idPiv: Buffer, piv: Buffer): Buffer {
  const idRoom = commonIv.length - 6;
  if (idPiv.length > idRoom) throw new OscoreError('invalid_context', `ID of ${idPiv.length} bytes; at most ${idRoom}`);
  if (piv.length > MAX_PARTIAL_IV_BYTES) throw new OscoreError('malformed_option', `Partial IV of ${piv.length} bytes`);
  const nonce = Buffer.alloc(commonIv.length);
  nonce[0] = idPiv.length;
  idPiv.copy(nonce, 1 + idRoom - idPiv.length);
  piv.copy(nonce, nonce.length - piv.length);
  for (let i = 0; i < nonce.length; i++) nonce[i]! ^= commonIv[i]!;
  return nonce;
}
