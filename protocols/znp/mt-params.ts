/**
 * Parameter lists of MT commands as data: one generic encoder/decoder reads the per-command
 * tables of mt-commands.ts. Multi-byte integers are little endian (Z-Stack MT API §2.1).
 */
import { FrameInvalidError, ValueInvalidError } from '../errors.js';

/**
 * - u8/u16/u32: unsigned little-endian integers;
 * - ieee: 8-byte IEEE (EUI-64) address, little endian on the wire, `0x` + 16 hex digits (big endian) here;
 * - bytes: a byte string whose length is the value of the previous parameter;
 * - rest: every remaining byte;
 * - list16: u16 values, their count being the previous parameter.
 */
export type MtParamKind = 'u8' | 'u16' | 'u32' | 'ieee' | 'bytes' | 'rest' | 'list16';
export type MtParam = readonly [name: string, kind: MtParamKind];
export type MtValues = Record<string, number | string | Uint8Array | number[]>;

const INT_BYTES = { u8: 1, u16: 2, u32: 4 } as const;

export function ieeeToBytes(ieee: string): Uint8Array {
  const hex = ieee.startsWith('0x') ? ieee.slice(2) : ieee;
  if (!/^[0-9a-fA-F]{16}$/.test(hex)) throw new ValueInvalidError(`not an IEEE address: ${ieee}`);
  return Uint8Array.from(Buffer.from(hex, 'hex').reverse());
}

export function bytesToIeee(b: Uint8Array): string {
  return `0x${Buffer.from(b).reverse().toString('hex')}`;
}

export function encodeParams(params: readonly MtParam[], values: MtValues): Buffer {
  const parts: Buffer[] = [];
  for (const [name, kind] of params) {
    const v = values[name];
    if (kind === 'u8' || kind === 'u16' || kind === 'u32') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** (8 * INT_BYTES[kind])) {
        throw new ValueInvalidError(`MT parameter ${name} must be a ${kind}, got ${String(v)}`);
      }
      const b = Buffer.alloc(INT_BYTES[kind]);
      b.writeUIntLE(v, 0, INT_BYTES[kind]);
      parts.push(b);
    } else if (kind === 'ieee') {
      parts.push(Buffer.from(ieeeToBytes(typeof v === 'string' ? v : '')));
    } else if (kind === 'list16') {
      const list = Array.isArray(v) ? v : [];
      const b = Buffer.alloc(list.length * 2);
      list.forEach((x, i) => b.writeUInt16LE(x, i * 2));
      parts.push(b);
    } else {
      parts.push(v instanceof Uint8Array ? Buffer.from(v) : Buffer.alloc(0));
    }
  }
  return Buffer.concat(parts);
}

export function decodeParams(params: readonly MtParam[], data: Uint8Array): MtValues {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: MtValues = {};
  let off = 0;
  let prev = 0;
  const need = (n: number, name: string) => {
    if (off + n > buf.length) throw new FrameInvalidError(`MT parameter ${name} runs past the ${buf.length}-byte payload`);
  };
  for (const [name, kind] of params) {
    if (kind === 'u8' || kind === 'u16' || kind === 'u32') {
      need(INT_BYTES[kind], name);
      const v = buf.readUIntLE(off, INT_BYTES[kind]);
      off += INT_BYTES[kind];
      out[name] = v;
      prev = v;
    } else if (kind === 'ieee') {
      need(8, name);
      out[name] = bytesToIeee(buf.subarray(off, off + 8));
      off += 8;
    } else if (kind === 'bytes') {
      need(prev, name);
      out[name] = Uint8Array.from(buf.subarray(off, off + prev));
      off += prev;
    } else if (kind === 'rest') {
      out[name] = Uint8Array.from(buf.subarray(off));
      off = buf.length;
    } else {
      need(prev * 2, name);
      const list: number[] = [];
      for (let i = 0; i < prev; i++) list.push(buf.readUInt16LE(off + i * 2));
      off += prev * 2;
      out[name] = list;
    }
  }
  return out;
}
