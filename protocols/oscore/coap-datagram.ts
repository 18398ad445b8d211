/**
 * A whole CoAP-over-UDP message (RFC 7252 §3) with generic options: the 4-byte header, the
 * token, then the option list and payload of coap-option-list.ts. OSCORE leaves the header
 * fields alone (RFC 8613 §4.2, class U), so protect/unprotect work on `CoapContent` and a caller
 * that holds datagrams wraps them with this codec (tests, firmware peers).
 */
import { FrameInvalidError } from '../errors.js';
import { codeByte, codeText, decodeOptionList, encodeOptionList, type CoapContent } from './coap-option-list.js';

/** RFC 7252 §3: 0 CON, 1 NON, 2 ACK, 3 RST. */
export type CoapType = 0 | 1 | 2 | 3;

export interface CoapDatagram extends CoapContent {
  readonly type: CoapType;
  readonly mid: number;
  readonly token: Buffer;
}

const VERSION = 1;
const MAX_TOKEN = 8;

export function encodeCoapDatagram(m: CoapDatagram): Buffer {
  if (m.token.length > MAX_TOKEN) throw new FrameInvalidError('a token is at most 8 bytes (RFC 7252 §3)');
  const head = Buffer.allocUnsafe(4);
  head[0] = (VERSION << 6) | (m.type << 4) | m.token.length;
  head[1] = codeByte(m.code);
  head.writeUInt16BE(m.mid, 2);
  return Buffer.concat([head, m.token, encodeOptionList(m.options, m.payload)]);
}

/** Throws FrameInvalidError on a bad version, a reserved token length or a truncated option. */
export function decodeCoapDatagram(buf: Buffer): CoapDatagram {
  if (buf.length < 4 || buf[0]! >> 6 !== VERSION) throw new FrameInvalidError('not a CoAP version 1 message');
  const tkl = buf[0]! & 0x0f;
  // RFC 7252 §3: token lengths 9-15 are reserved.
  if (tkl > MAX_TOKEN) throw new FrameInvalidError(`token length ${tkl} is reserved`);
  if (buf.length < 4 + tkl) throw new FrameInvalidError('message shorter than its token');
  const { options, payload } = decodeOptionList(buf, 4 + tkl);
  return {
    type: ((buf[0]! >> 4) & 3) as CoapType,
    code: codeText(buf[1]!),
    mid: buf.readUInt16BE(2),
    token: buf.subarray(4, 4 + tkl),
    options,
    payload,
  };
}
