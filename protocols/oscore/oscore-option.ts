/**
 * The OSCORE option value (RFC 8613 §6.1, Figure 10): the compressed COSE header.
 *
 *   flag byte 000hknnn | Partial IV (n bytes) | s (1 byte) | kid context (s bytes) | kid (rest)
 *
 * Decoding is strict: every deviation from §6.1 is a `malformed_option` OscoreError (4.02).
 */
import { OscoreError } from './oscore-errors.js';

/** The three header parameters of the COSE object; null when absent. */
export interface OscoreOptionValue {
  readonly partialIv: Buffer | null;
  readonly kidContext: Buffer | null;
  readonly kid: Buffer | null;
}

/** RFC 8613 §2: the option is 0-255 bytes long. */
export const MAX_OSCORE_OPTION_BYTES = 255;
/** RFC 8613 §6.1: n = 6 and 7 are reserved, so a Partial IV has 1-5 bytes (§12.6: at most 40 bits). */
export const MAX_PARTIAL_IV_BYTES = 5;

const FLAG_KID = 0x08;
const FLAG_KID_CONTEXT = 0x10;
const RESERVED_BITS = 0xe0;
const PIV_LENGTH = 0x07;

const malformed = (why: string): OscoreError => new OscoreError('malformed_option', `OSCORE option: ${why}`);

export function encodeOscoreOption(v: OscoreOptionValue): Buffer {
  const piv = v.partialIv;
  if (piv && (piv.length === 0 || piv.length > MAX_PARTIAL_IV_BYTES)) throw malformed(`Partial IV of ${piv.length} bytes`);
  if (v.kidContext && v.kidContext.length > 255) throw malformed('kid context longer than 255 bytes');
  const flags = (piv ? piv.length : 0) | (v.kid ? FLAG_KID : 0) | (v.kidContext ? FLAG_KID_CONTEXT : 0);
  // RFC 8613 §2: all flag bits zero -> the option value is empty.
  if (flags === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [Buffer.of(flags)];
  if (piv) parts.push(piv);
  if (v.kidContext) parts.push(Buffer.of(v.kidContext.length), v.kidContext);
  // RFC 8613 §6.1: 'kid' is always the last field.
  if (v.kid) parts.push(v.kid);
  const out = Buffer.concat(parts);
  if (out.length > MAX_OSCORE_OPTION_BYTES) throw malformed(`value of ${out.length} bytes (at most ${MAX_OSCORE_OPTION_BYTES})`);
  return out;
}

/** Decodes an option value; the returned buffers are views into `value`. */
export function decodeOscoreOption(value: Buffer): OscoreOptionValue {
  if (value.length === 0) return { partialIv: null, kidContext: null, kid: null };
  if (value.length > MAX_OSCORE_OPTION_BYTES) throw malformed(`value of ${value.length} bytes`);
  const flags = value[0]!;
  // RFC 8613 §6.1: reserved bits set -> malformed (§8.2 item 2).
  if (flags & RESERVED_BITS) throw malformed(`reserved flag bits set (0x${flags.toString(16).padStart(2, '0')})`);
  // RFC 8613 §2: a value whose flag bits are all zero SHALL be empty.
  if (flags === 0) throw malformed('flag byte 0x00 in a non-empty value');
  const n = flags & PIV_LENGTH;
  if (n > MAX_PARTIAL_IV_BYTES) throw malformed(`Partial IV length ${n} is reserved`);
  let at = 1;
  let partialIv: Buffer | null = null;
  if (n > 0) {
    if (at + n > value.length) throw malformed('truncated Partial IV');
    partialIv = value.subarray(at, at + n);
    // RFC 8613 §5: leading zero bytes SHALL be removed (0 itself is 0x00).
    if (n > 1 && partialIv[0] === 0) throw malformed('Partial IV with a leading zero byte');
    at += n;
  }
  let kidContext: Buffer | null = null;
  if (flags & FLAG_KID_CONTEXT) {
    if (at >= value.length) throw malformed('truncated kid context length');
    const s = value[at++]!;
    if (at + s > value.length) throw malformed('truncated kid context');
    kidContext = value.subarray(at, at + s);
    at += s;
  }
  let kid: Buffer | null = null;
  if (flags & FLAG_KID) kid = value.subarray(at);
  else if (at !== value.length) throw malformed(`${value.length - at} bytes after the last field`);
  return { partialIv, kidContext, kid };
}
