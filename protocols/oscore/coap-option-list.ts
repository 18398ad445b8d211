/**
 * The request/response layer of a CoAP message as OSCORE sees it: a code, a list of options
 * (number + raw value) and a payload. Encodes and decodes the option sequence and payload
 * marker of RFC 7252 §3.1, the format of both a datagram's tail and the OSCORE plaintext
 * (RFC 8613 §5.3). The CoAP binding converts its own message model to this shape at the edge.
 */
import { FrameInvalidError } from '../errors.js';

/** One option: its number and its raw value (RFC 7252 §3.1). */
export interface CoapOption {
  readonly number: number;
  readonly value: Buffer;
}

/** What OSCORE protects: code ("c.dd"), options, payload (RFC 8613 §4). Header fields stay with the caller. */
export interface CoapContent {
  readonly code: string;
  readonly options: readonly CoapOption[];
  readonly payload: Buffer;
}

const PAYLOAD_MARKER = 0xff;
/** RFC 7252 §3.1: an option length above 13 + 255 + 65535 cannot be written. */
const MAX_OPTION_VALUE = 269 + 0xffff;

/** RFC 7252 §3: code = 3-bit class "." 5-bit detail. */
export function codeByte(code: string): number {
  const m = /^([0-7])\.(\d\d)$/.exec(code);
  const detail = m ? Number(m[2]) : 32;
  if (!m || detail > 31) throw new FrameInvalidError(`not a CoAP code: ${code}`);
  return (Number(m[1]) << 5) | detail;
}

export function codeText(byte: number): string {
  return `${byte >> 5}.${String(byte & 31).padStart(2, '0')}`;
}

/** True for request codes 0.01-0.31 (RFC 7252 §12.1). */
export const isRequestCode = (byte: number): boolean => byte > 0 && byte < 32;
/** True for response codes 2.00-5.31 (RFC 7252 §12.1). */
export const isResponseCode = (byte: number): boolean => byte >= 64 && byte < 192;

/** Options in ascending number; repeated options keep their order (Array.prototype.sort is stable). */
export function sortOptions(options: readonly CoapOption[]): CoapOption[] {
  return [...options].sort((a, b) => a.number - b.number);
}

// RFC 7252 §3.1: 0-12 in the nibble, 13 adds one byte (value - 13), 14 two bytes (value - 269).
const nibble = (n: number): number => (n < 13 ? n : n < 269 ? 13 : 14);
const extBytes = (n: number): number => (n < 13 ? 0 : n < 269 ? 1 : 2);

function writeExt(out: Buffer, at: number, n: number): number {
  if (n >= 269) return out.writeUInt16BE(n - 269, at);
  if (n >= 13) out[at++] = n - 13;
  return at;
}

/** Encodes options (sorted here) then, if the payload is not empty, the marker and the payload. */
export function encodeOptionList(options: readonly CoapOption[], payload: Buffer): Buffer {
  const sorted = sortOptions(options);
  let size = payload.length > 0 ? 1 + payload.length : 0;
  let last = 0;
  for (const o of sorted) {
    if (o.value.length > MAX_OPTION_VALUE) throw new FrameInvalidError(`option ${o.number} longer than ${MAX_OPTION_VALUE} bytes`);
    size += 1 + extBytes(o.number - last) + extBytes(o.value.length) + o.value.length;
    last = o.number;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  last = 0;
  for (const o of sorted) {
    const delta = o.number - last;
    out[at++] = (nibble(delta) << 4) | nibble(o.value.length);
    at = writeExt(out, at, delta);
    at = writeExt(out, at, o.value.length);
    at += o.value.copy(out, at);
    last = o.number;
  }
  if (payload.length > 0) {
    out[at++] = PAYLOAD_MARKER;
    payload.copy(out, at);
  }
  return out;
}

function readExt(buf: Buffer, at: number, n: number): [number, number] {
  if (n < 13) return [n, at];
  if (n === 13 && at < buf.length) return [13 + buf[at]!, at + 1];
  if (n === 14 && at + 1 < buf.length) return [269 + buf.readUInt16BE(at), at + 2];
  // RFC 7252 §3.1: nibble 15 outside the payload marker is a message format error.
  throw new FrameInvalidError(n === 15 ? 'option nibble 15 is reserved' : 'option header runs past the end');
}

/** Decodes options and payload from `start` to the end of `buf`. Values are views into `buf`. */
export function decodeOptionList(buf: Buffer, start = 0): { options: CoapOption[]; payload: Buffer } {
  const options: CoapOption[] = [];
  let at = start;
  let number = 0;
  while (at < buf.length) {
    const head = buf[at++]!;
    if (head === PAYLOAD_MARKER) {
      // RFC 7252 §3: a marker followed by a zero-length payload is a format error.
      if (at === buf.length) throw new FrameInvalidError('payload marker with no payload');
      return { options, payload: buf.subarray(at) };
    }
    let delta: number;
    let length: number;
    [delta, at] = readExt(buf, at, head >> 4);
    [length, at] = readExt(buf, at, head & 0x0f);
    if (at + length > buf.length) throw new FrameInvalidError('option value runs past the end');
    number += delta;
    options.push({ number, value: buf.subarray(at, at + length) });
    at += length;
  }
  return { options, payload: buf.subarray(buf.length) };
}
