/**
 * BTHome v2 object list <-> bytes, driven by the table in bthome-objects.ts.
 * Each object: id byte, then its value (fixed size, little-endian), or a length byte and
 * the value for text/raw (bthome.io "Object ids").
 */
import { FrameInvalidError } from '../errors.js';
import { BTHOME_OBJECTS, BUTTON_EVENTS, DIMMER_EVENTS, type BthomeObjectSpec } from './bthome-objects.js';

export interface DimmerEvent {
  event: string;
  steps: number;
}

export type BthomeValue = number | boolean | string | Uint8Array | DimmerEvent;

/** One decoded object. `key` is the name, with `_1`, `_2`... when a name occurs more than once in a frame. */
export interface BthomeObject {
  id: number;
  key: string;
  spec: BthomeObjectSpec;
  value: BthomeValue;
}

export interface DecodedObjects {
  objects: BthomeObject[];
  /** Set when parsing stopped at an id missing from the table (its length is unknown). */
  unknownObjectId?: number;
}

function readInt(buf: Uint8Array, at: number, bytes: number, signed: boolean): number {
  let v = 0;
  for (let i = bytes - 1; i >= 0; i--) v = v * 256 + (buf[at + i] ?? 0);
  if (signed && v >= 2 ** (8 * bytes - 1)) v -= 2 ** (8 * bytes);
  return v;
}

function writeInt(out: number[], v: number, bytes: number): void {
  let u = v < 0 ? v + 2 ** (8 * bytes) : v;
  for (let i = 0; i < bytes; i++) {
    out.push(u % 256);
    u = Math.floor(u / 256);
  }
}

/** Decimal places of a factor (0.01 -> 2), to round away binary float noise. */
function decimals(factor: number): number {
  const s = String(factor);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

function scale(raw: number, factor: number): number {
  return factor === 1 ? raw : Number((raw * factor).toFixed(decimals(factor)));
}

function decodeValue(spec: BthomeObjectSpec, buf: Uint8Array, at: number, len: number): BthomeValue {
  switch (spec.kind) {
    case 'number':
      return scale(readInt(buf, at, len, spec.signed ?? false), spec.factor ?? 1);
    case 'binary':
      return buf[at] === 1;
    case 'button': {
      const code = buf[at] ?? 0;
      return BUTTON_EVENTS[code] ?? `code_${code}`;
    }
    case 'dimmer': {
      const code = buf[at] ?? 0;
      return { event: DIMMER_EVENTS[code] ?? `code_${code}`, steps: buf[at + 1] ?? 0 };
    }
    case 'text':
      return Buffer.from(buf.subarray(at, at + len)).toString('utf8');
    case 'raw':
      return buf.slice(at, at + len);
    case 'timestamp':
    case 'packetId':
      return readInt(buf, at, len, false);
    case 'deviceInfo':
      if (spec.name === 'deviceTypeId') return readInt(buf, at, len, false);
      // Firmware version: most significant part last (bthome.io "Device information").
      return Array.from(buf.subarray(at, at + len)).reverse().join('.');
  }
}

/** Decodes a plaintext object list. Throws FrameInvalidError when an object runs past the end. */
export function decodeObjects(payload: Uint8Array): DecodedObjects {
  const found: Array<{ id: number; spec: BthomeObjectSpec; value: BthomeValue }> = [];
  let at = 0;
  let unknownObjectId: number | undefined;
  while (at < payload.length) {
    const id = payload[at] as number;
    const spec = BTHOME_OBJECTS[id];
    if (!spec) {
      unknownObjectId = id;
      break;
    }
    let start = at + 1;
    let len = spec.bytes;
    if (spec.kind === 'text' || spec.kind === 'raw') {
      len = payload[start] ?? 0;
      start++;
    }
    if (start + len > payload.length || (start > payload.length)) {
      throw new FrameInvalidError(`BTHome object 0x${id.toString(16)} runs past the end of the frame`, { reason: 'truncated', objectId: id });
    }
    found.push({ id, spec, value: decodeValue(spec, payload, start, len) });
    at = start + len;
  }
  const counts = new Map<string, number>();
  for (const f of found) counts.set(f.spec.name, (counts.get(f.spec.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  const objects = found.map((f) => {
    const nth = (seen.get(f.spec.name) ?? 0) + 1;
    seen.set(f.spec.name, nth);
    return { ...f, key: (counts.get(f.spec.name) ?? 0) > 1 ? `${f.spec.name}_${nth}` : f.spec.name };
  });
  return unknownObjectId === undefined ? { objects } : { objects, unknownObjectId };
}

/** What an encoder takes: an object id and its value in the unit of the table. */
export interface BthomeObjectInput {
  id: number;
  value: BthomeValue;
}

function codeOf(table: Readonly<Record<number, string>>, name: string): number {
  for (const [code, n] of Object.entries(table)) if (n === name) return Number(code);
  throw new FrameInvalidError(`unknown BTHome event ${name}`);
}

/** Encodes an object list (the device side; firmware-sim and tests). */
export function encodeObjects(objects: readonly BthomeObjectInput[]): Uint8Array {
  const out: number[] = [];
  for (const { id, value } of objects) {
    const spec = BTHOME_OBJECTS[id];
    if (!spec) throw new FrameInvalidError(`unknown BTHome object id 0x${id.toString(16)}`);
    out.push(id);
    switch (spec.kind) {
      case 'number':
        writeInt(out, Math.round((value as number) / (spec.factor ?? 1)), spec.bytes);
        break;
      case 'binary':
        out.push(value ? 1 : 0);
        break;
      case 'button':
        out.push(codeOf(BUTTON_EVENTS, value as string));
        break;
      case 'dimmer': {
        const d = value as DimmerEvent;
        out.push(codeOf(DIMMER_EVENTS, d.event), d.steps);
        break;
      }
      case 'text':
      case 'raw': {
        const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : (value as Uint8Array);
        out.push(bytes.length, ...bytes);
        break;
      }
      case 'timestamp':
      case 'packetId':
        writeInt(out, value as number, spec.bytes);
        break;
      case 'deviceInfo':
        if (typeof value === 'number') writeInt(out, value, spec.bytes);
        else out.push(...String(value).split('.').map(Number).reverse());
        break;
    }
  }
  return Uint8Array.from(out);
}
