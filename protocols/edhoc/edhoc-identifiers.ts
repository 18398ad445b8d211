/**
 * Byte-string identifiers on the wire (RFC 9528 §3.3.2): a one-byte string that is itself the
 * CBOR encoding of an integer in -24..23 is sent as that integer; any other byte string as a CBOR
 * bstr. Used for C_I, C_R and the compact 'kid' in ID_CRED fields (§3.5.3.2).
 */
import { bstr, type CborItem } from './edhoc-cbor.js';
import { EdhocError } from './edhoc-errors.js';

/**
 * Longest connection identifier accepted: C_I and C_R become OSCORE Sender/Recipient IDs
 * (RFC 9528 §3.3.3), which AES-CCM-16-64-128's 13-byte nonce limits to 7 bytes (RFC 8613 §3.3).
 */
export const MAX_CONNECTION_ID_BYTES = 7;

/** True when the byte is a one-byte CBOR integer: 0x00-0x17 (0..23) or 0x20-0x37 (-1..-24). */
export function isOneByteInt(b: number): boolean {
  return b <= 0x17 || (b >= 0x20 && b <= 0x37);
}

export function encodeIdentifier(id: Uint8Array): Uint8Array {
  if (id.length === 1 && isOneByteInt(id[0] as number)) return Uint8Array.of(id[0] as number);
  return bstr(id);
}

/** Decodes an identifier item; rejects the surplus bstr form of a one-byte integer (RFC 9529 §4.1.2). */
export function decodeIdentifier(bytes: Uint8Array, item: CborItem, what: string, maxBytes = Infinity): Uint8Array {
  if (item.type === 'int') {
    if (item.value < -24 || item.value > 23) throw new EdhocError('malformed', `${what} is an integer outside -24..23`);
    return Uint8Array.from(bytes.subarray(item.start, item.end));
  }
  if (item.type !== 'bstr') throw new EdhocError('malformed', `${what} is neither bstr nor int`);
  if (item.value.length === 1 && isOneByteInt(item.value[0] as number)) {
    throw new EdhocError('malformed', `${what} must be encoded as the integer it spells`);
  }
  if (item.value.length > maxBytes) throw new EdhocError('malformed', `${what} longer than ${maxBytes} bytes`);
  return Uint8Array.from(item.value);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
