/** The published test vectors (docs/protocols/vectors/serial-vectors.json), typed. */
import { readFileSync } from 'node:fs';

export interface FrameVector {
  name: string;
  kind: string;
  type: number;
  seq: number;
  unit: number;
  body: unknown;
  payload: string;
  crc: string;
  frame: string;
  wire: string;
}

export interface SerialVectors {
  crc16: { check: string; vectors: Array<{ name: string; ascii?: string; hex?: string; crc: string }> };
  cobs: Array<{ name: string; data: string; encoded: string }>;
  maxFrameBytes: number;
  frames: FrameVector[];
  invalid: Array<{ name: string; wire: string; drop: 'badCrc' | 'badCobs' | 'short' | 'oversize' }>;
  stream: { wire: string; frames: number; drops: Record<string, number> };
}

export const VECTORS = JSON.parse(readFileSync(new URL('../../../docs/protocols/vectors/serial-vectors.json', import.meta.url), 'utf8')) as SerialVectors;

export const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** JSON form of a body: byte strings as {$bytes: hex}, as in the vectors file. */
export function jsonBody(v: unknown): unknown {
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return v.map(jsonBody);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonBody(x)]));
  return v;
}

/** Inverse of jsonBody. */
export function fromJsonBody(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromJsonBody);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o['$bytes'] === 'string' && Object.keys(o).length === 1) return Buffer.from(o['$bytes'], 'hex');
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromJsonBody(x)]));
  }
  return v;
}
