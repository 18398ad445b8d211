/** Loads the RFC 9529 / RFC 9668 vectors kept as JSON in test/vectors/edhoc/. */
import { readFileSync } from 'node:fs';

export interface TraceValue {
  section: string;
  hex?: string;
  int?: number;
}

export interface TraceVectors {
  source: string;
  'message_1 (first time)'?: Record<string, TraceValue>;
  values: Record<string, TraceValue>;
}

export interface InvalidVector {
  section: string;
  title: string;
  kind: 'message_1' | 'message_2' | 'PLAINTEXT_2';
  hex: string;
}

export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../vectors/edhoc/${name}`, import.meta.url), 'utf8')) as T;
}

/** Bytes of a named value; throws on a name the vectors do not have. */
export function bytesOf(values: Record<string, TraceValue>, name: string): Uint8Array {
  const v = values[name];
  if (v?.hex === undefined) throw new Error(`no hex value '${name}' in the vectors`);
  return Buffer.from(v.hex, 'hex');
}

export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Collects what a state machine reports to its trace sink. */
export function recorder(): { sink: (name: string, value: Uint8Array) => void; seen: Map<string, string> } {
  const seen = new Map<string, string>();
  return { seen, sink: (name, value) => void seen.set(name, hexOf(value)) };
}
