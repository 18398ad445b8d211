/**
 * A strict reader for the CBOR sequences EDHOC sends (RFC 9528 §3.1, Appendix C.1): definite
 * lengths and shortest arguments only (RFC 8949 §4.2.1, deterministic encoding), no tags, no
 * floats, bounded nesting. Every item keeps its byte span, because EDHOC hashes and MACs items as
 * they were sent. cbor-x (protocols/cbor.ts) stays the encoder; it accepts the non-shortest and
 * indefinite forms that RFC 9529 §4.3 lists as invalid, so decoding is done here.
 */
import { encodeCbor } from '../cbor.js';
import { EdhocError } from './edhoc-errors.js';

export type CborItem =
  | { readonly type: 'int'; readonly value: number; readonly start: number; readonly end: number }
  | { readonly type: 'bstr'; readonly value: Uint8Array; readonly start: number; readonly end: number }
  | { readonly type: 'tstr'; readonly value: string; readonly start: number; readonly end: number }
  | { readonly type: 'array'; readonly items: CborItem[]; readonly start: number; readonly end: number }
  | { readonly type: 'map'; readonly entries: [CborItem, CborItem][]; readonly start: number; readonly end: number }
  | { readonly type: 'simple'; readonly value: boolean | null; readonly start: number; readonly end: number };

/** Nesting limit: EDHOC's deepest item is a CCS (claims -> cnf -> COSE_Key). */
export const MAX_CBOR_DEPTH = 8;
const MAX_ITEMS = 4096;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads one item at `offset`. Throws EdhocError 'truncated' or 'malformed'. */
export function readItem(bytes: Uint8Array, offset: number, depth = 0): CborItem {
  if (depth > MAX_CBOR_DEPTH) throw new EdhocError('malformed', 'CBOR nested too deeply');
  const start = offset;
  const initial = byteAt(bytes, offset);
  const major = initial >> 5;
  const info = initial & 0x1f;
  let pos = offset + 1;
  let arg: number;
  if (info < 24) arg = info;
  else if (info <= 27) {
    const n = 1 << (info - 24);
    if (pos + n > bytes.length) throw new EdhocError('truncated');
    arg = 0;
    for (let i = 0; i < n; i++) arg = arg * 256 + (bytes[pos + i] as number);
    pos += n;
    // RFC 8949 §4.2.1: the argument must be as short as possible.
    const min = n === 1 ? 24 : n === 2 ? 0x100 : n === 4 ? 0x10000 : 0x100000000;
    if (arg < min && major !== 7) throw new EdhocError('malformed', 'CBOR argument not in its shortest form');
    if (!Number.isSafeInteger(arg)) throw new EdhocError('malformed', 'CBOR integer out of range');
  } else throw new EdhocError('malformed', info === 31 ? 'CBOR indefinite length' : 'CBOR reserved additional information');

  switch (major) {
    case 0:
      return { type: 'int', value: arg, start, end: pos };
    case 1:
      return { type: 'int', value: -1 - arg, start, end: pos };
    case 2:
    case 3: {
      if (pos + arg > bytes.length) throw new EdhocError('truncated');
      const raw = bytes.subarray(pos, pos + arg);
      const end = pos + arg;
      if (major === 2) return { type: 'bstr', value: raw, start, end };
      try {
        return { type: 'tstr', value: utf8.decode(raw), start, end };
      } catch (err) {
        throw new EdhocError('malformed', 'CBOR text not UTF-8', { cause: err });
      }
    }
    case 4: {
      if (arg > MAX_ITEMS) throw new EdhocError('too_large', 'CBOR array too long');
      const items: CborItem[] = [];
      for (let i = 0; i < arg; i++) {
        const item = readItem(bytes, pos, depth + 1);
        items.push(item);
        pos = item.end;
      }
      return { type: 'array', items, start, end: pos };
    }
    case 5: {
      if (arg > MAX_ITEMS) throw new EdhocError('too_large', 'CBOR map too long');
      const entries: [CborItem, CborItem][] = [];
      const seen = new Set<string>();
      for (let i = 0; i < arg; i++) {
        const k = readItem(bytes, pos, depth + 1);
        const v = readItem(bytes, k.end, depth + 1);
        const keyBytes = Buffer.from(bytes.subarray(k.start, k.end)).toString('hex');
        if (seen.has(keyBytes)) throw new EdhocError('malformed', 'CBOR map key repeated');
        seen.add(keyBytes);
        entries.push([k, v]);
        pos = v.end;
      }
      return { type: 'map', entries, start, end: pos };
    }
    case 6:
      throw new EdhocError('malformed', 'CBOR tag not expected');
    default:
      // Major 7: only false, true and null; floats and other simple values have no place in EDHOC.
      if (info === 20 || info === 21) return { type: 'simple', value: info === 21, start, end: pos };
      if (info === 22) return { type: 'simple', value: null, start, end: pos };
      throw new EdhocError('malformed', 'CBOR float or simple value not expected');
  }
}

/** Reads a whole CBOR sequence (RFC 8742) into its top-level items. */
export function readSequence(bytes: Uint8Array, maxItems = MAX_ITEMS): CborItem[] {
  const items: CborItem[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (items.length >= maxItems) throw new EdhocError('malformed', 'too many items in the CBOR sequence');
    const item = readItem(bytes, pos);
    items.push(item);
    pos = item.end;
  }
  return items;
}

/** The bytes an item was sent as. */
export function rawOf(bytes: Uint8Array, item: CborItem): Uint8Array {
  return bytes.subarray(item.start, item.end);
}

/** Encodes a byte string as a CBOR bstr. */
export function bstr(bytes: Uint8Array): Uint8Array {
  return encodeCbor(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}

/** Concatenates encoded items into a CBOR sequence. */
export function cborSeq(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

export function expectBstr(item: CborItem | undefined, what: string): Uint8Array {
  if (item === undefined) throw new EdhocError('malformed', `${what} missing`);
  if (item.type !== 'bstr') throw new EdhocError('malformed', `${what} is not a byte string`);
  return item.value;
}

export function expectInt(item: CborItem | undefined, what: string): number {
  if (item === undefined) throw new EdhocError('malformed', `${what} missing`);
  if (item.type !== 'int') throw new EdhocError('malformed', `${what} is not an integer`);
  return item.value;
}

function byteAt(bytes: Uint8Array, offset: number): number {
  const b = bytes[offset];
  if (b === undefined) throw new EdhocError('truncated');
  return b;
}
