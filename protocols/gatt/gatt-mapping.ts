/**
 * Declarative GATT value mapping: which characteristic carries a property, which bytes of its
 * value, how they are typed and scaled. One generic decoder/encoder reads these rows; the SIG
 * characteristics (gatt-sig.ts) are rows of the same shape, and config adds rows for other devices.
 */
import { FrameInvalidError, ValueInvalidError } from '../errors.js';

export type GattValueType = 'uint' | 'int' | 'float32' | 'bool' | 'utf8' | 'bytes';

export interface GattMapping {
  /** Property name in the TD. */
  name: string;
  /** Service UUID: 16-bit ("181a") or 128-bit, any case, dashes optional. */
  service: string;
  characteristic: string;
  /** Read the value when a session starts. */
  read?: boolean;
  /** Subscribe to notifications (always-on devices) . */
  notify?: boolean;
  /** The property is writable (through the action queue). */
  write?: boolean;
  /** Read once per device and cache (Device Information). */
  once?: boolean;
  /** First byte of the value (default 0). */
  offset?: number;
  /** Bytes of the value (default: 1/2/4 by type for numbers, the rest for utf8/bytes). */
  length?: number;
  type?: GattValueType;
  /** Multiplies the raw integer (0.01 for hundredths). */
  scale?: number;
  unit?: string;
  /** Doc string for the TD. */
  description?: string;
}

const BASE_UUID_TAIL = '00001000800000805f9b34fb';

/** Normal form of a UUID: lower case, no dashes, 16-bit when it is on the Bluetooth base UUID. */
export function normalizeUuid(uuid: string): string {
  const u = uuid.toLowerCase().replace(/-/g, '').replace(/^0x/, '');
  if (u.length === 32 && u.startsWith('0000') && u.endsWith(BASE_UUID_TAIL)) return u.slice(4, 8);
  if (u.length === 8 && u.startsWith('0000')) return u.slice(4);
  return u;
}

function defaultLength(m: GattMapping, total: number): number {
  const type = m.type ?? 'uint';
  if (m.length !== undefined) return m.length;
  if (type === 'bool') return 1;
  if (type === 'float32') return 4;
  if (type === 'uint' || type === 'int') return Math.min(4, total - (m.offset ?? 0));
  return total - (m.offset ?? 0);
}

function roundScaled(raw: number, scale: number): number {
  if (scale === 1) return raw;
  const digits = Math.max(0, Math.ceil(-Math.log10(scale)));
  return Number((raw * scale).toFixed(digits));
}

/** Decodes a characteristic value by its mapping; throws FrameInvalidError when the bytes are short. */
export function decodeGattValue(m: GattMapping, value: Uint8Array): number | boolean | string {
  const offset = m.offset ?? 0;
  const len = defaultLength(m, value.length);
  if (len <= 0 || offset + len > value.length) {
    throw new FrameInvalidError(`GATT value of ${m.name} has ${value.length} bytes, mapping needs ${offset + len}`, { reason: 'short', name: m.name });
  }
  const buf = Buffer.from(value.buffer, value.byteOffset + offset, len);
  switch (m.type ?? 'uint') {
    case 'uint':
      return roundScaled(buf.readUIntLE(0, len), m.scale ?? 1);
    case 'int':
      return roundScaled(buf.readIntLE(0, len), m.scale ?? 1);
    case 'float32':
      return roundScaled(buf.readFloatLE(0), m.scale ?? 1);
    case 'bool':
      return buf[0] !== 0;
    case 'utf8':
      return buf.toString('utf8').replace(/\0+$/, '');
    case 'bytes':
      return buf.toString('hex');
  }
}

/** Encodes a property value for a write; throws ValueInvalidError when it does not fit. */
export function encodeGattValue(m: GattMapping, value: unknown): Uint8Array {
  const type = m.type ?? 'uint';
  if (type === 'utf8') {
    if (typeof value !== 'string') throw new ValueInvalidError(`${m.name} takes a string`);
    return Buffer.from(value, 'utf8');
  }
  if (type === 'bytes') {
    if (typeof value !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(value)) throw new ValueInvalidError(`${m.name} takes hex bytes`);
    return Buffer.from(value, 'hex');
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw new ValueInvalidError(`${m.name} takes a boolean`);
    return Uint8Array.of(value ? 1 : 0);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueInvalidError(`${m.name} takes a number`);
  const len = m.length ?? (type === 'float32' ? 4 : 1);
  const out = Buffer.alloc(len);
  const raw = value / (m.scale ?? 1);
  if (type === 'float32') {
    out.writeFloatLE(raw, 0);
    return out;
  }
  const int = Math.round(raw);
  const bits = 8 * len;
  const [min, max] = type === 'int' ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
  if (int < min || int > max) throw new ValueInvalidError(`${m.name}: ${value} does not fit in ${len} byte(s)`, { min: min * (m.scale ?? 1), max: max * (m.scale ?? 1) });
  if (type === 'int') out.writeIntLE(int, 0, len);
  else out.writeUIntLE(int, 0, len);
  return out;
}
