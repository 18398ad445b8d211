/**
 * CoAP messages (RFC 7252 §3) on node-coap's own codec, `coap-packet`, with the options this
 * binding reads lifted into named fields, and the Block option value (RFC 7959 §2.2).
 */
import { generate, parse, type NamedOption, type Option } from 'coap-packet';
import { FrameInvalidError } from '../../protocols/errors.js';

export type MessageType = 'CON' | 'NON' | 'ACK' | 'RST';

// RFC 7252 §12.1.1 method codes, as coap-packet prints them.
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
  locationPath?: string[];
  payload: Buffer;
}

/** A message to send; absent options are left out. */
export type OutMessage = Partial<Omit<CoapMessage, 'type' | 'code' | 'mid'>> & { type: MessageType; code: string; mid: number; maxAge?: number; size2?: number };

export function uintBytes(n: number): Buffer {
  // RFC 7252 §3.2: uint options in the fewest bytes, zero as the empty string.
  if (n === 0) return Buffer.alloc(0);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Buffer.from(bytes);
}

function readUint(b: Buffer): number {
  let n = 0;
  for (const x of b) n = n * 256 + x;
  return n;
}

export function encodeBlock(b: BlockOption): Buffer {
  return uintBytes(b.num * 16 + (b.more ? 8 : 0) + b.szx);
}

export function decodeBlock(v: Buffer): BlockOption {
  if (v.length > 3) throw new FrameInvalidError('Block option longer than 3 bytes');
  const n = readUint(v);
  const szx = n & 7;
  // RFC 7959 §2.2: SZX 7 is reserved.
  if (szx === 7) throw new FrameInvalidError('Block option with reserved SZX 7');
  return { num: n >> 4, more: (n & 8) !== 0, szx };
}

export const blockSize = (szx: number): number => 2 ** (szx + 4);

// Critical options (RFC 7252 §5.10, RFC 8613) coap-packet names but this server does not process.
const UNSUPPORTED_CRITICAL = new Set(['If-Match', 'If-None-Match', 'OSCORE', 'Proxy-Uri', 'Proxy-Scheme', 'Q-Block1', 'Q-Block2']);

/** Parses a datagram. Throws FrameInvalidError (bad version, truncated header or options). */
export function parseMessage(buf: Buffer): CoapMessage {
  // RFC 7252 §3: version 1 in the first two bits; coap-packet does not check it.
  if (buf.length < 4 || buf[0]! >> 6 !== 1) throw new FrameInvalidError('not a CoAP version 1 message');
  let p;
  try {
    p = parse(buf);
  } catch (err) {
    throw new FrameInvalidError(`malformed CoAP message: ${(err as Error).message}`, undefined, { cause: err });
  }
  const m: CoapMessage = {
    type: p.confirmable ? 'CON' : p.ack ? 'ACK' : p.reset ? 'RST' : 'NON',
    code: p.code,
    mid: p.messageId,
    token: p.token,
    uriPath: [],
    uriQuery: [],
    payload: p.payload,
  };
  for (const o of p.options) {
    switch (o.name) {
      case 'Uri-Path':
        m.uriPath.push(o.value.toString('utf8'));
        break;
      case 'Uri-Query':
        m.uriQuery.push(o.value.toString('utf8'));
        break;
      case 'Content-Format':
        m.contentFormat = readUint(o.value);
        break;
      case 'Accept':
        m.accept = readUint(o.value);
        break;
      case 'Observe':
        m.observe = readUint(o.value);
        break;
      case 'Block1':
        m.block1 = decodeBlock(o.value);
        break;
      case 'Block2':
        m.block2 = decodeBlock(o.value);
        break;
      case 'Size1':
        m.size1 = readUint(o.value);
        break;
      case 'Location-Path':
        (m.locationPath ??= []).push(o.value.toString('utf8'));
        break;
      default:
        // RFC 7252 §5.4.1: a critical (odd-numbered) option we do not process is an error (4.02).
        if (UNSUPPORTED_CRITICAL.has(String(o.name)) || (typeof o.name === 'number' && o.name % 2 === 1)) {
          throw new FrameInvalidError(`unsupported critical option ${o.name}`, { option: o.name });
        }
    }
  }
  return m;
}

/** Encodes a message (RFC 7252 §3); payload marker only with a payload. */
export function encodeMessage(m: OutMessage): Buffer {
  const options: Array<Option | NamedOption> = [];
  const add = (name: NamedOption['name'], value: Buffer) => options.push({ name, value });
  for (const s of m.locationPath ?? []) add('Location-Path', Buffer.from(s));
  for (const s of m.uriPath ?? []) add('Uri-Path', Buffer.from(s));
  for (const s of m.uriQuery ?? []) add('Uri-Query', Buffer.from(s));
  if (m.observe !== undefined) add('Observe', uintBytes(m.observe));
  if (m.contentFormat !== undefined) add('Content-Format', uintBytes(m.contentFormat));
  if (m.maxAge !== undefined) add('Max-Age', uintBytes(m.maxAge));
  if (m.accept !== undefined) add('Accept', uintBytes(m.accept));
  if (m.block1) add('Block1', encodeBlock(m.block1));
  if (m.block2) add('Block2', encodeBlock(m.block2));
  if (m.size1 !== undefined) add('Size1', uintBytes(m.size1));
  if (m.size2 !== undefined) add('Size2', uintBytes(m.size2));
  return generate(
    {
      code: m.code,
      messageId: m.mid,
      token: m.token ?? Buffer.alloc(0),
      confirmable: m.type === 'CON',
      ack: m.type === 'ACK',
      reset: m.type === 'RST',
      options,
      payload: m.payload ?? Buffer.alloc(0),
    },
    65507,
  );
}

/** True for request codes 0.01-0.31 (RFC 7252 §12.1). */
export const isRequest = (code: string): boolean => code.startsWith('0.') && code !== EMPTY;
