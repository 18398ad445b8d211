/**
 * CoAP messages (RFC 7252 §3): a datagram to a message with the options this binding reads lifted
 * into named fields, and back; the Block option value (RFC 7959 §2.2). Written here rather than
 * through `coap-packet` because this is the per-datagram hot path: parsing builds no option
 * objects, and encoding writes straight into one buffer (the profile of the ingest benchmark put
 * coap-packet's generate() at ~6 us of every answer). firmware-sim's devices still speak through
 * coap-packet, so every integration test checks this codec against an independent one.
 */
import { FrameInvalidError } from '../../protocols/errors.js';

export type MessageType = 'CON' | 'NON' | 'ACK' | 'RST';

// RFC 7252 §12.1.1 method codes, as "c.dd" strings.
export const GET = '0.01';
export const POST = '0.02';
export const PUT = '0.03';
export const DELETE = '0.04';
export const EMPTY = '0.00';

/** RFC 7959 §2.2: block number, more flag, size exponent (size = 2 ** (szx + 4)). */
export interface BlockOption {
  num: number;
  more: boolean;
  szx: number;
}

export interface CoapMessage {
  type: MessageType;
  code: string;
  mid: number;
  token: Buffer;
  uriPath: string[];
  uriQuery: string[];
  contentFormat?: number;
  accept?: number;
  observe?: number;
  block1?: BlockOption;
  block2?: BlockOption;
  size1?: number;
  size2?: number;
  locationPath?: string[];
  /** RFC 8613 §2: the OSCORE option's value (empty for most responses). */
  oscore?: Buffer;
  /** RFC 9175 §2.2: Echo, 1-40 opaque bytes (Inner under OSCORE). */
  echo?: Buffer;
  /** RFC 9668 §3.1: the (empty) EDHOC option of an EDHOC + OSCORE combined request. */
  edhoc?: boolean;
  payload: Buffer;
}

/** A message to send; absent options are left out. */
export type OutMessage = Partial<Omit<CoapMessage, 'type' | 'code' | 'mid'>> & { type: MessageType; code: string; mid: number; maxAge?: number };

// RFC 7252 §5.10 and §12.2, RFC 7641 §2, RFC 7959 §2.1 / §4: option numbers.
const OBSERVE = 6;
const URI_HOST = 3;
const LOCATION_PATH = 8;
const URI_PORT = 7;
const OSCORE = 9;
const URI_PATH = 11;
const CONTENT_FORMAT = 12;
const MAX_AGE = 14;
const URI_QUERY = 15;
const ACCEPT = 17;
const EDHOC = 21;
const BLOCK2 = 23;
const BLOCK1 = 27;
const SIZE2 = 28;
const SIZE1 = 60;
const ECHO = 252;

/** Largest UDP payload over IPv4; nothing bigger can be sent. */
const MAX_DATAGRAM = 65507;
const TYPES: readonly MessageType[] = ['CON', 'NON', 'ACK', 'RST'];
const TYPE_BITS: Readonly<Record<MessageType, number>> = { CON: 0, NON: 1, ACK: 2, RST: 3 };
const NO_BYTES = Buffer.alloc(0);

// RFC 7252 §3: code = 3-bit class "." 5-bit detail, printed "c.dd".
const CODE_TEXT: readonly string[] = Array.from({ length: 256 }, (_, b) => `${b >> 5}.${String(b & 31).padStart(2, '0')}`);
const CODE_BYTE = new Map(CODE_TEXT.map((t, b) => [t, b]));

export function uintBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(uintLength(n));
  writeUint(out, 0, n);
  return out;
}

/** RFC 7252 §3.2: uint options in the fewest bytes, zero as the empty string. */
function uintLength(n: number): number {
  return n === 0 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
}

function writeUint(buf: Buffer, at: number, n: number): number {
  const len = uintLength(n);
  for (let i = len - 1; i >= 0; i--) {
    buf[at + i] = n & 0xff;
    n = Math.floor(n / 256);
  }
  return at + len;
}

function readUint(b: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 256 + b[i]!;
  return n;
}

export function encodeBlock(b: BlockOption): Buffer {
  return uintBytes(blockValue(b));
}

const blockValue = (b: BlockOption): number => b.num * 16 + (b.more ? 8 : 0) + b.szx;

export function decodeBlock(v: Buffer): BlockOption {
  return blockAt(v, 0, v.length);
}

function blockAt(b: Buffer, start: number, end: number): BlockOption {
  if (end - start > 3) throw new FrameInvalidError('Block option longer than 3 bytes');
  const n = readUint(b, start, end);
  const szx = n & 7;
  // RFC 7959 §2.2: SZX 7 is reserved.
  if (szx === 7) throw new FrameInvalidError('Block option with reserved SZX 7');
  return { num: n >> 4, more: (n & 8) !== 0, szx };
}

export const blockSize = (szx: number): number => 2 ** (szx + 4);

/** Critical options (odd numbers, RFC 7252 §5.4.1) this endpoint processes; any other critical one is 4.02. */
const PROCESSED_CRITICAL = new Set([URI_HOST, URI_PORT, OSCORE, URI_PATH, URI_QUERY, ACCEPT, EDHOC, BLOCK2, BLOCK1]);

/** Parses a datagram. Throws FrameInvalidError (bad version, truncated header or options, unsupported critical option). */
export function parseMessage(buf: Buffer): CoapMessage {
  const len = buf.length;
  // RFC 7252 §3: version 1 in the first two bits; TKL 9-15 are reserved (a format error).
  if (len < 4 || buf[0]! >> 6 !== 1) throw new FrameInvalidError('not a CoAP version 1 message');
  const tkl = buf[0]! & 0x0f;
  if (tkl > 8) throw new FrameInvalidError(`token length ${tkl} is reserved`);
  if (4 + tkl > len) throw new FrameInvalidError('message shorter than its token');
  const codeByte = buf[1]!;
  const m: CoapMessage = {
    type: TYPES[(buf[0]! >> 4) & 3]!,
    code: CODE_TEXT[codeByte]!,
    mid: (buf[2]! << 8) | buf[3]!,
    token: buf.subarray(4, 4 + tkl),
    uriPath: [],
    uriQuery: [],
    payload: NO_BYTES,
  };
  // RFC 7252 §4.1: an empty message (code 0.00) has nothing after the header.
  if (codeByte === 0) {
    if (len !== 4) throw new FrameInvalidError('an empty message must be 4 bytes');
    return m;
  }
  let i = 4 + tkl;
  let number = 0;
  while (i < len) {
    const head = buf[i++]!;
    if (head === 0xff) {
      // RFC 7252 §3: a payload marker followed by no payload is a format error.
      if (i === len) throw new FrameInvalidError('payload marker with no payload');
      m.payload = buf.subarray(i);
      break;
    }
    let delta = head >> 4;
    let olen = head & 0x0f;
    // RFC 7252 §3.1: nibble 13 adds one byte (minus 13), 14 two bytes (minus 269), 15 is reserved.
    if (delta === 13) delta = 13 + (buf[i++] ?? NaN);
    else if (delta === 14) delta = 269 + ((buf[i++] ?? NaN) << 8 | (buf[i++] ?? NaN));
    else if (delta === 15) throw new FrameInvalidError('option delta 15 outside a payload marker');
    if (olen === 13) olen = 13 + (buf[i++] ?? NaN);
    else if (olen === 14) olen = 269 + ((buf[i++] ?? NaN) << 8 | (buf[i++] ?? NaN));
    else if (olen === 15) throw new FrameInvalidError('option length 15 is reserved');
    if (Number.isNaN(delta) || Number.isNaN(olen) || i + olen > len) throw new FrameInvalidError('option runs past the end of the message');
    number += delta;
    const end = i + olen;
    switch (number) {
      case URI_PATH:
        m.uriPath.push(buf.toString('utf8', i, end));
        break;
      case URI_QUERY:
        m.uriQuery.push(buf.toString('utf8', i, end));
        break;
      case CONTENT_FORMAT:
        m.contentFormat = readUint(buf, i, end);
        break;
      case ACCEPT:
        m.accept = readUint(buf, i, end);
        break;
      case OBSERVE:
        m.observe = readUint(buf, i, end);
        break;
      case BLOCK1:
        m.block1 = blockAt(buf, i, end);
        break;
      case BLOCK2:
        m.block2 = blockAt(buf, i, end);
        break;
      case SIZE1:
        m.size1 = readUint(buf, i, end);
        break;
      case SIZE2:
        m.size2 = readUint(buf, i, end);
        break;
      case LOCATION_PATH:
        (m.locationPath ??= []).push(buf.toString('utf8', i, end));
        break;
      case OSCORE:
        m.oscore = buf.subarray(i, end);
        break;
      case ECHO:
        m.echo = buf.subarray(i, end);
        break;
      case EDHOC:
        m.edhoc = true;
        break;
      default:
        // RFC 7252 §5.4.1: a critical (odd-numbered) option we do not process is an error (4.02).
        if (number % 2 === 1 && !PROCESSED_CRITICAL.has(number)) {
          throw new FrameInvalidError(`unsupported critical option ${number}`, { option: number });
        }
    }
    i = end;
  }
  return m;
}

/** One buffer reused by every encode (synchronous, single thread): the result is a copy of its front. */
const scratch = Buffer.allocUnsafe(MAX_DATAGRAM + 16);

/** Writes one option header (RFC 7252 §3.1) and returns where the value goes. */
function optionHeader(at: number, delta: number, length: number): number {
  const dn = delta < 13 ? delta : delta < 269 ? 13 : 14;
  const ln = length < 13 ? length : length < 269 ? 13 : 14;
  scratch[at++] = (dn << 4) | ln;
  if (dn === 13) scratch[at++] = delta - 13;
  else if (dn === 14) at = scratch.writeUInt16BE(delta - 269, at);
  if (ln === 13) scratch[at++] = length - 13;
  else if (ln === 14) at = scratch.writeUInt16BE(length - 269, at);
  return at;
}

class OptionWriter {
  at = 0;
  last = 0;

  uint(number: number, value: number): void {
    this.room(9);
    this.at = writeUint(scratch, optionHeader(this.at, number - this.last, uintLength(value)), value);
    this.last = number;
  }

  text(number: number, value: string): void {
    const length = Buffer.byteLength(value);
    this.room(5 + length);
    const at = optionHeader(this.at, number - this.last, length);
    this.at = at + scratch.write(value, at, 'utf8');
    this.last = number;
  }

  private room(bytes: number): void {
    if (this.at + bytes > MAX_DATAGRAM) throw new FrameInvalidError(`message larger than ${MAX_DATAGRAM} bytes`);
  }

  bytes(number: number, value: Buffer): void {
    this.room(5 + value.length);
    const at = optionHeader(this.at, number - this.last, value.length);
    this.at = at + value.copy(scratch, at);
    this.last = number;
  }

  texts(number: number, values: readonly string[] | undefined): void {
    if (values) for (const v of values) this.text(number, v);
  }
}

/** Encodes a message (RFC 7252 §3); options in ascending number, payload marker only with a payload. */
export function encodeMessage(m: OutMessage): Buffer {
  const token = m.token ?? NO_BYTES;
  if (token.length > 8) throw new FrameInvalidError('a token is at most 8 bytes (RFC 7252 §3)');
  const code = CODE_BYTE.get(m.code);
  if (code === undefined) throw new FrameInvalidError(`not a CoAP code: ${m.code}`);
  scratch[0] = 0x40 | (TYPE_BITS[m.type] << 4) | token.length;
  scratch[1] = code;
  scratch.writeUInt16BE(m.mid, 2);
  token.copy(scratch, 4);
  const w = new OptionWriter();
  w.at = 4 + token.length;
  if (m.observe !== undefined) w.uint(OBSERVE, m.observe);
  w.texts(LOCATION_PATH, m.locationPath);
  if (m.oscore) w.bytes(OSCORE, m.oscore);
  w.texts(URI_PATH, m.uriPath);
  if (m.contentFormat !== undefined) w.uint(CONTENT_FORMAT, m.contentFormat);
  if (m.maxAge !== undefined) w.uint(MAX_AGE, m.maxAge);
  w.texts(URI_QUERY, m.uriQuery);
  if (m.accept !== undefined) w.uint(ACCEPT, m.accept);
  if (m.edhoc) w.bytes(EDHOC, NO_BYTES);
  if (m.block2) w.uint(BLOCK2, blockValue(m.block2));
  if (m.block1) w.uint(BLOCK1, blockValue(m.block1));
  if (m.size2 !== undefined) w.uint(SIZE2, m.size2);
  if (m.size1 !== undefined) w.uint(SIZE1, m.size1);
  if (m.echo) w.bytes(ECHO, m.echo);
  const payload = m.payload ?? NO_BYTES;
  let end = w.at;
  if (payload.length > 0 && code !== 0) {
    if (end + 1 + payload.length > MAX_DATAGRAM) throw new FrameInvalidError(`message larger than ${MAX_DATAGRAM} bytes`);
    scratch[end++] = 0xff;
    end += payload.copy(scratch, end);
  }
  if (end > MAX_DATAGRAM) throw new FrameInvalidError(`message larger than ${MAX_DATAGRAM} bytes`);
  return Buffer.from(scratch.subarray(0, end));
}

/** True for request codes 0.01-0.31 (RFC 7252 §12.1). */
export const isRequest = (code: string): boolean => code.startsWith('0.') && code !== EMPTY;
