/**
 * OMA TLV (Content-Format 11542, TS Core §7.4.3): the raw structure, bytes <-> nodes.
 * Type byte: bits 7-6 kind of identifier, bit 5 identifier length (0: 8 bits, 1: 16 bits),
 * bits 4-3 length type (00: length in bits 2-0, 01/10/11: an 8/16/24-bit length field).
 */
import { FrameInvalidError } from '../errors.js';

export const TLV_CONTENT_FORMAT = 11542;

/** §7.4.3 Table 7.4.3-1, bits 7-6 of the type byte. */
export type TlvKind = 'instance' | 'resourceInstance' | 'multipleResource' | 'resource';
const KIND_BITS: readonly TlvKind[] = ['instance', 'resourceInstance', 'multipleResource', 'resource'];

export interface TlvNode {
  kind: TlvKind;
  id: number;
  /** Value bytes of a `resource` or `resourceInstance`. */
  value?: Buffer;
  /** Children of an `instance` (resources) or a `multipleResource` (resource instances). */
  children?: TlvNode[];
}

/** An object instance holds resources, a multiple resource holds instances: 3 levels at most. */
export const MAX_TLV_DEPTH = 3;
/** §7.4.3: the 24-bit length field caps a value at 16,777,215 bytes. */
export const MAX_TLV_LENGTH = 0xffffff;

export interface TlvLimits {
  /** Nodes in one payload (default 4096). */
  maxNodes?: number;
}

const ALLOWED_CHILD: Readonly<Record<TlvKind, TlvKind[]>> = {
  instance: ['resource', 'multipleResource'],
  multipleResource: ['resourceInstance'],
  resource: [],
  resourceInstance: [],
};

function fail(msg: string, offset: number): never {
  throw new FrameInvalidError(`TLV: ${msg} at offset ${offset}`, { offset });
}

/** Decodes a TLV payload. Throws FrameInvalidError on truncation, overrun or bad nesting. */
export function decodeTlv(bytes: Uint8Array, limits: TlvLimits = {}): TlvNode[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const budget = { nodes: limits.maxNodes ?? 4096 };
  return decodeLevel(buf, 0, buf.length, 1, null, budget);
}

function decodeLevel(buf: Buffer, start: number, end: number, depth: number, parent: TlvKind | null, budget: { nodes: number }): TlvNode[] {
  const out: TlvNode[] = [];
  let i = start;
  while (i < end) {
    if (--budget.nodes < 0) fail('too many TLV entries', i);
    const at = i;
    const type = buf[i++]!;
    const kind = KIND_BITS[type >> 6]!;
    if (parent !== null && !ALLOWED_CHILD[parent].includes(kind)) fail(`${kind} inside ${parent}`, at);
    const idBytes = type & 0x20 ? 2 : 1;
    const lenType = (type >> 3) & 0x03;
    if (i + idBytes + lenType > end) fail('truncated header', at);
    const id = idBytes === 2 ? buf.readUInt16BE(i) : buf[i]!;
    i += idBytes;
    const length = lenType === 0 ? type & 0x07 : buf.readUIntBE(i, lenType);
    i += lenType;
    if (i + length > end) fail(`length ${length} runs past the end (${end - i} bytes left)`, at);
    if (kind === 'instance' || kind === 'multipleResource') {
      if (depth >= MAX_TLV_DEPTH) fail(`nesting deeper than ${MAX_TLV_DEPTH}`, at);
      out.push({ kind, id, children: decodeLevel(buf, i, i + length, depth + 1, kind, budget) });
    } else {
      out.push({ kind, id, value: buf.subarray(i, i + length) });
    }
    i += length;
  }
  return out;
}

function header(kind: TlvKind, id: number, length: number): Buffer {
  if (length > MAX_TLV_LENGTH) throw new FrameInvalidError(`TLV value of ${length} bytes exceeds ${MAX_TLV_LENGTH}`);
  const wide = id > 0xff;
  const lenBytes = length < 8 ? 0 : length <= 0xff ? 1 : length <= 0xffff ? 2 : 3;
  const h = Buffer.alloc(1 + (wide ? 2 : 1) + lenBytes);
  h[0] = (KIND_BITS.indexOf(kind) << 6) | (wide ? 0x20 : 0) | (lenBytes << 3) | (lenBytes === 0 ? length : 0);
  if (wide) h.writeUInt16BE(id, 1);
  else h[1] = id;
  if (lenBytes > 0) h.writeUIntBE(length, wide ? 3 : 2, lenBytes);
  return h;
}

/** Encodes nodes with the shortest identifier and length fields. */
export function encodeTlv(nodes: readonly TlvNode[]): Buffer {
  return Buffer.concat(
    nodes.map((n) => {
      const body = n.children ? encodeTlv(n.children) : (n.value ?? Buffer.alloc(0));
      return Buffer.concat([header(n.kind, n.id, body.length), body]);
    }),
  );
}
