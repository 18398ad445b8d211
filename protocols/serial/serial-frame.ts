/**
 * One serial frame (docs/protocols/serial.md "Frame"): a body of
 * `type (1) | seq (1) | unit (1) | payload (0..n) | CRC-16/KERMIT (2, LSB first)`, COBS-encoded
 * and followed by one 0x00 delimiter. Pure codec.
 */
import { FrameInvalidError, PayloadTooLargeError } from '../errors.js';
import { cobsDecode, cobsEncode, cobsMaxEncodedBytes } from './cobs.js';
import { crc16Kermit } from './crc16.js';

export const FRAME_DELIMITER = 0x00;
export const FRAME_HEADER_BYTES = 3;
export const FRAME_CRC_BYTES = 2;
/** Smallest body: header and CRC, empty payload. */
export const FRAME_MIN_BYTES = FRAME_HEADER_BYTES + FRAME_CRC_BYTES;
/** Default largest body (header + payload + CRC) a receiver must accept. */
export const DEFAULT_MAX_FRAME_BYTES = 256;

/** A decoded frame. `unit` names the logical thing on the link (0 = the MCU itself). */
export interface SerialFrame {
  type: number;
  seq: number;
  unit: number;
  payload: Buffer;
}

/** Largest bytes on the wire (COBS + delimiter) for a body of `maxFrameBytes`. */
export function maxWireBytes(maxFrameBytes: number): number {
  return cobsMaxEncodedBytes(maxFrameBytes) + 1;
}

/** The body before COBS: header, payload, CRC. Throws PayloadTooLargeError over maxFrameBytes. */
export function frameBody(f: SerialFrame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const size = FRAME_MIN_BYTES + f.payload.length;
  if (size > maxFrameBytes) {
    throw new PayloadTooLargeError(`frame of ${size} bytes exceeds maxFrameBytes ${maxFrameBytes}`, { size, maxFrameBytes });
  }
  const body = Buffer.alloc(size);
  body[0] = f.type & 0xff;
  body[1] = f.seq & 0xff;
  body[2] = f.unit & 0xff;
  Buffer.from(f.payload.buffer, f.payload.byteOffset, f.payload.length).copy(body, FRAME_HEADER_BYTES);
  body.writeUInt16LE(crc16Kermit(body.subarray(0, size - FRAME_CRC_BYTES)), size - FRAME_CRC_BYTES);
  return body;
}

/** Bytes on the wire for one frame: COBS(body) then 0x00. */
export function encodeFrame(f: SerialFrame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const enc = cobsEncode(frameBody(f, maxFrameBytes));
  const out = Buffer.alloc(enc.length + 1);
  enc.copy(out);
  out[enc.length] = FRAME_DELIMITER;
  return out;
}

/** Checks length and CRC of a decoded body and splits it. Throws FrameInvalidError. */
export function parseBody(body: Buffer): SerialFrame {
  if (body.length < FRAME_MIN_BYTES) throw new FrameInvalidError(`frame of ${body.length} bytes is shorter than ${FRAME_MIN_BYTES}`, { reason: 'short', size: body.length });
  const end = body.length - FRAME_CRC_BYTES;
  const want = body.readUInt16LE(end);
  const got = crc16Kermit(body.subarray(0, end));
  if (want !== got) throw new FrameInvalidError(`bad CRC-16/KERMIT: frame says 0x${hex4(want)}, computed 0x${hex4(got)}`, { reason: 'crc', want, got });
  return { type: body[0]!, seq: body[1]!, unit: body[2]!, payload: Buffer.from(body.subarray(FRAME_HEADER_BYTES, end)) };
}

/** Decodes the COBS bytes of one frame (delimiter stripped). Throws FrameInvalidError. */
export function decodeFrame(wire: Uint8Array): SerialFrame {
  return parseBody(cobsDecode(wire));
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
