/**
 * TI Z-Stack Monitor and Test (MT) frame codec, the general serial format of a ZNP
 * (Z-Stack Network Processor): SOF 0xFE, LEN, CMD0, CMD1, DATA[LEN], FCS.
 * CMD0 = type (bits 7-5) | subsystem (bits 4-0); FCS = XOR of LEN..DATA.
 * (Z-Stack Monitor and Test API, §2.1 "General frame format".)
 * Pure: bytes <-> object, no I/O.
 */
import { FrameInvalidError, PayloadTooLargeError } from '../errors.js';

export const MT_SOF = 0xfe;
/** LEN is one byte; Z-Stack's own UART buffer holds at most 250 data bytes. */
export const MT_MAX_DATA_BYTES = 250;
/** SOF + LEN + CMD0 + CMD1 + FCS. */
export const MT_OVERHEAD_BYTES = 5;

/** CMD0 bits 7-5. */
export const MtType = { POLL: 0, SREQ: 1, AREQ: 2, SRSP: 3 } as const;
export type MtType = (typeof MtType)[keyof typeof MtType];

/** CMD0 bits 4-0. */
export const MtSubsystem = { RES: 0, SYS: 1, MAC: 2, NWK: 3, AF: 4, ZDO: 5, SAPI: 6, UTIL: 7, DEBUG: 8, APP: 9, APP_CNF: 15 } as const;
export type MtSubsystem = (typeof MtSubsystem)[keyof typeof MtSubsystem];

export interface MtFrame {
  type: MtType;
  subsystem: number;
  /** CMD1. */
  commandId: number;
  data: Uint8Array;
}

/** XOR of every byte. */
export function mtFcs(bytes: Uint8Array): number {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

export function encodeMtFrame(f: MtFrame): Buffer {
  if (f.data.length > MT_MAX_DATA_BYTES) {
    throw new PayloadTooLargeError(`MT frame data is ${f.data.length} bytes, limit ${MT_MAX_DATA_BYTES}`, { bytes: f.data.length });
  }
  const out = Buffer.alloc(f.data.length + MT_OVERHEAD_BYTES);
  out[0] = MT_SOF;
  out[1] = f.data.length;
  out[2] = ((f.type << 5) & 0xe0) | (f.subsystem & 0x1f);
  out[3] = f.commandId & 0xff;
  out.set(f.data, 4);
  out[out.length - 1] = mtFcs(out.subarray(1, out.length - 1));
  return out;
}

/** Decodes exactly one complete frame (SOF included); throws FrameInvalidError. */
export function decodeMtFrame(buf: Uint8Array): MtFrame {
  if (buf.length < MT_OVERHEAD_BYTES) throw new FrameInvalidError(`MT frame of ${buf.length} bytes is shorter than ${MT_OVERHEAD_BYTES}`);
  if (buf[0] !== MT_SOF) throw new FrameInvalidError(`MT frame starts with 0x${(buf[0] ?? 0).toString(16)}, not SOF 0xfe`);
  const len = buf[1] ?? 0;
  if (buf.length !== len + MT_OVERHEAD_BYTES) {
    throw new FrameInvalidError(`MT frame LEN ${len} does not match its ${buf.length} bytes`);
  }
  const fcs = mtFcs(buf.subarray(1, buf.length - 1));
  if (fcs !== buf[buf.length - 1]) throw new FrameInvalidError(`MT frame FCS 0x${(buf[buf.length - 1] ?? 0).toString(16)} != 0x${fcs.toString(16)}`);
  const cmd0 = buf[2] ?? 0;
  return { type: ((cmd0 & 0xe0) >> 5) as MtType, subsystem: cmd0 & 0x1f, commandId: buf[3] ?? 0, data: Uint8Array.from(buf.subarray(4, 4 + len)) };
}
