/**
 * One table of the LwM2M data types (TS Core Appendix C) and how each travels as TLV bytes
 * (§7.4.3) and as plain text (§7.4.1); plus the check that a value decoded from a
 * self-describing format (CBOR, SenML) fits the model's type.
 */
import { FrameInvalidError, ValueInvalidError } from '../errors.js';
import type { ResourceType } from './lwm2m-model.js';
import { formatObjlnk, isObjlnk, parseObjlnk, type Lwm2mValue } from './lwm2m-value.js';

interface TypeCodec {
  /** TLV value bytes -> value. */
  fromTlv(b: Buffer): Lwm2mValue;
  toTlv(v: Lwm2mValue): Buffer;
  fromText(s: string): Lwm2mValue;
  toText(v: Lwm2mValue): string;
  /** Whether a value of this JS shape belongs to the type. */
  accepts(v: Lwm2mValue): boolean;
}

function bad(msg: string): never {
  throw new ValueInvalidError(msg);
}

function asInteger(v: Lwm2mValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return bad(`${String(v)} is not an integer`);
}

/** A bigint as a number when it is exactly representable, else the bigint. */
function narrow(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

// TS Core §7.4.3 / Appendix C: integers are 1, 2, 4 or 8 bytes, big-endian, two's complement.
function intFromTlv(b: Buffer, unsigned: boolean): number | bigint {
  switch (b.length) {
    case 1:
      return unsigned ? b.readUInt8(0) : b.readInt8(0);
    case 2:
      return unsigned ? b.readUInt16BE(0) : b.readInt16BE(0);
    case 4:
      return unsigned ? b.readUInt32BE(0) : b.readInt32BE(0);
    case 8:
      return narrow(unsigned ? b.readBigUInt64BE(0) : b.readBigInt64BE(0));
    default:
      throw new FrameInvalidError(`TLV integer of ${b.length} bytes (must be 1, 2, 4 or 8)`, { length: b.length });
  }
}

/** The shortest of 1, 2, 4, 8 bytes that holds `n` (the spec's own examples use the shortest). */
function intToTlv(v: Lwm2mValue, unsigned: boolean): Buffer {
  const n = asInteger(v);
  if (unsigned && n < 0n) bad(`${n} is negative for an Unsigned Integer`);
  for (const size of [1, 2, 4, 8]) {
    const bits = BigInt(size * 8);
    const [lo, hi] = unsigned ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
    if (n < lo || n > hi) continue;
    const b = Buffer.alloc(size);
    if (size === 8) {
      if (unsigned) b.writeBigUInt64BE(n);
      else b.writeBigInt64BE(n);
    } else b.writeUIntBE(Number(BigInt.asUintN(size * 8, n)), 0, size);
    return b;
  }
  return bad(`${n} does not fit in 64 bits`);
}

function intFromText(s: string, unsigned: boolean): number | bigint {
  if (!(unsigned ? /^\d+$/ : /^-?\d+$/).test(s)) bad(`"${s}" is not ${unsigned ? 'an unsigned' : 'an'} integer`);
  return narrow(BigInt(s));
}

const INTEGER: TypeCodec = {
  fromTlv: (b) => intFromTlv(b, false),
  toTlv: (v) => intToTlv(v, false),
  fromText: (s) => intFromText(s, false),
  toText: (v) => asInteger(v).toString(),
  accepts: (v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)),
};

const UNSIGNED: TypeCodec = {
  fromTlv: (b) => intFromTlv(b, true),
  toTlv: (v) => intToTlv(v, true),
  fromText: (s) => intFromText(s, true),
  toText: (v) => asInteger(v).toString(),
  accepts: (v) => INTEGER.accepts(v) && (typeof v === 'bigint' ? v >= 0n : (v as number) >= 0),
};

const FLOAT: TypeCodec = {
  fromTlv: (b) => {
    // Appendix C: Float is 4 or 8 bytes IEEE 754.
    if (b.length === 4) return b.readFloatBE(0);
    if (b.length === 8) return b.readDoubleBE(0);
    throw new FrameInvalidError(`TLV float of ${b.length} bytes (must be 4 or 8)`, { length: b.length });
  },
  toTlv: (v) => {
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) bad(`${String(v)} is not a number`);
    const exact32 = Math.fround(n) === n;
    const b = Buffer.alloc(exact32 ? 4 : 8);
    if (exact32) b.writeFloatBE(n);
    else b.writeDoubleBE(n);
    return b;
  },
  fromText: (s) => {
    if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) bad(`"${s}" is not a number`);
    return Number(s);
  },
  toText: (v) => String(v),
  accepts: (v) => typeof v === 'number' || typeof v === 'bigint',
};

const BOOLEAN: TypeCodec = {
  fromTlv: (b) => {
    // Appendix C: Boolean is one byte, 0 or 1.
    if (b.length !== 1 || b[0]! > 1) throw new FrameInvalidError('TLV boolean must be one byte 0 or 1');
    return b[0] === 1;
  },
  toTlv: (v) => Buffer.from([v === true ? 1 : 0]),
  fromText: (s) => {
    // §7.4.1: plain-text booleans are "0" and "1".
    if (s !== '0' && s !== '1') bad(`"${s}" is not a boolean (0 or 1)`);
    return s === '1';
  },
  toText: (v) => (v === true ? '1' : '0'),
  accepts: (v) => typeof v === 'boolean',
};

const STRING: TypeCodec = {
  fromTlv: (b) => b.toString('utf8'),
  toTlv: (v) => Buffer.from(String(v), 'utf8'),
  fromText: (s) => s,
  toText: (v) => String(v),
  accepts: (v) => typeof v === 'string',
};

const OPAQUE: TypeCodec = {
  fromTlv: (b) => new Uint8Array(b),
  toTlv: (v) => (v instanceof Uint8Array ? Buffer.from(v) : bad('Opaque value must be bytes')),
  // §7.4.1: Opaque in plain text is base64.
  fromText: (s) => {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) bad('Opaque text must be base64');
    return new Uint8Array(Buffer.from(s, 'base64'));
  },
  toText: (v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : bad('Opaque value must be bytes')),
  accepts: (v) => v instanceof Uint8Array,
};

const OBJLNK: TypeCodec = {
  fromTlv: (b) => {
    // Appendix C: Objlnk is two 16-bit unsigned integers, object id then instance id.
    if (b.length !== 4) throw new FrameInvalidError(`TLV object link of ${b.length} bytes (must be 4)`);
    return { objectId: b.readUInt16BE(0), instanceId: b.readUInt16BE(2) };
  },
  toTlv: (v) => {
    if (!isObjlnk(v)) bad('Objlnk value must be {objectId, instanceId}');
    const b = Buffer.alloc(4);
    b.writeUInt16BE(v.objectId, 0);
    b.writeUInt16BE(v.instanceId, 2);
    return b;
  },
  fromText: (s) => parseObjlnk(s) ?? bad(`"${s}" is not an object link oid:iid`),
  toText: (v) => (isObjlnk(v) ? formatObjlnk(v) : bad('Objlnk value must be {objectId, instanceId}')),
  accepts: isObjlnk,
};

const NONE: TypeCodec = {
  fromTlv: (b) => new Uint8Array(b),
  toTlv: () => Buffer.alloc(0),
  fromText: (s) => s,
  toText: () => '',
  accepts: () => true,
};

/** Appendix C: Time is an Integer of epoch seconds; Corelnk is a String (RFC 6690). */
export const TYPE_CODECS: Readonly<Record<ResourceType, TypeCodec>> = {
  String: STRING,
  Integer: INTEGER,
  'Unsigned Integer': UNSIGNED,
  Float: FLOAT,
  Boolean: BOOLEAN,
  Opaque: OPAQUE,
  Time: INTEGER,
  Objlnk: OBJLNK,
  Corelnk: STRING,
  none: NONE,
};

/** The type a value would have when no model says (encoders of unknown resources). */
export function inferType(v: Lwm2mValue): ResourceType {
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return 'Boolean';
  if (typeof v === 'bigint') return 'Integer';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (v instanceof Uint8Array) return 'Opaque';
  return 'Objlnk';
}

/**
 * A value decoded from a self-describing format, checked against the model type. Integers
 * written as floats with no fraction (`25.0`) are accepted as integers; an integer is a valid
 * Float. Throws ValueInvalidError naming the path.
 */
export function fitToType(type: ResourceType | undefined, v: Lwm2mValue, path: string): Lwm2mValue {
  if (type === undefined || type === 'none') return v;
  if (TYPE_CODECS[type].accepts(v)) return v;
  if (typeof v === 'string' && type === 'Objlnk') {
    const link = parseObjlnk(v);
    if (link) return link;
  }
  throw new ValueInvalidError(`${path}: ${describe(v)} is not a valid ${type}`, { path, type });
}

function describe(v: Lwm2mValue): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (isObjlnk(v)) return `link ${formatObjlnk(v)}`;
  return JSON.stringify(typeof v === 'bigint' ? v.toString() : v);
}
