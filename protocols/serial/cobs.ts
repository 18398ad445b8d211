/**
 * Consistent Overhead Byte Stuffing (Cheshire and Baker, IEEE/ACM ToN 7(2) 1999): removes every
 * 0x00 from a block so that 0x00 can delimit frames. Overhead is at most one byte per 254 bytes
 * plus one. Pure.
 */
import { FrameInvalidError } from '../errors.js';

/** Largest COBS encoding of `n` bytes (without the 0x00 delimiter). */
export function cobsMaxEncodedBytes(n: number): number {
  return n + Math.floor(n / 254) + 1;
}

/** COBS-encodes `data`; the result contains no 0x00 (the caller appends the delimiter). */
export function cobsEncode(data: Uint8Array): Buffer {
  const out = Buffer.alloc(cobsMaxEncodedBytes(data.length));
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b !== 0) {
      out[o++] = b;
      code++;
    }
    // A zero ends a block; so does a full block of 254 non-zero bytes (code 0xFF, no implied zero).
    if (b === 0 || code === 0xff) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
      if (b !== 0 && i === data.length - 1) {
        // A full block that ends the data needs no empty trailing block.
        return out.subarray(0, codeAt);
      }
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** Decodes one COBS block (no delimiter). Throws FrameInvalidError on a 0x00 or a code past the end. */
export function cobsDecode(enc: Uint8Array): Buffer {
  const out = Buffer.alloc(enc.length);
  let o = 0;
  let i = 0;
  while (i < enc.length) {
    const code = enc[i]!;
    if (code === 0) throw new FrameInvalidError('COBS: 0x00 inside a frame', { reason: 'cobs', offset: i });
    if (i + code > enc.length) throw new FrameInvalidError('COBS: block runs past the end of the frame', { reason: 'cobs', offset: i, code });
    for (let k = 1; k < code; k++) {
      const b = enc[i + k]!;
      if (b === 0) throw new FrameInvalidError('COBS: 0x00 inside a frame', { reason: 'cobs', offset: i + k });
      out[o++] = b;
    }
    i += code;
    // Each block but the last, and not after a full block (0xFF), stands for a 0x00.
    if (code !== 0xff && i < enc.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}
