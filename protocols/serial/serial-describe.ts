/**
 * The compact affordance description a device sends in a `describe` message
 * (docs/protocols/serial.md "describe"): what it offers, in CBOR, small enough for one frame.
 */
import { FrameInvalidError } from '../errors.js';

/** JSON Schema data types a description may name. */
export const DATA_TYPES = ['number', 'integer', 'boolean', 'string', 'object', 'array'] as const;
export type DataType = (typeof DATA_TYPES)[number];

/** A property: `y` data type (default number), `u` unit, `w` writable. */
export interface PropertySpec { y?: DataType; u?: string; w?: boolean }
/** An action: `i` input type, `o` output type (both optional). */
export interface ActionSpec { i?: DataType; o?: DataType }
/** An event: `y` data type of its data. */
export interface EventSpec { y?: DataType }

/** `t` title; `p` properties, `a` actions, `e` events, each keyed by affordance name. */
export interface Description {
  t?: string;
  p?: Record<string, PropertySpec>;
  a?: Record<string, ActionSpec>;
  e?: Record<string, EventSpec>;
}

/** Affordance names: also SenML record names and URL path segments. */
export const AFFORDANCE_NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

const KEYS: Readonly<Record<'p' | 'a' | 'e', Readonly<Record<string, 'type' | 'text' | 'bool'>>>> = {
  p: { y: 'type', u: 'text', w: 'bool' },
  a: { i: 'type', o: 'type' },
  e: { y: 'type' },
};

/** Checks names and types of a description. Throws FrameInvalidError naming the entry. */
export function checkDescription(d: Description): void {
  for (const group of ['p', 'a', 'e'] as const) {
    const entries = d[group];
    if (entries === undefined) continue;
    for (const [name, spec] of Object.entries(entries)) {
      const where = `describe.${group}.${name}`;
      if (!AFFORDANCE_NAME_RE.test(name)) throw new FrameInvalidError(`${where}: bad affordance name`, { reason: 'payload', field: where });
      if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new FrameInvalidError(`${where}: must be a map`, { reason: 'payload', field: where });
      for (const [key, v] of Object.entries(spec as Record<string, unknown>)) {
        const kind = KEYS[group][key];
        const ok = kind === undefined
          || (kind === 'type' && (DATA_TYPES as readonly unknown[]).includes(v))
          || (kind === 'text' && typeof v === 'string')
          || (kind === 'bool' && typeof v === 'boolean');
        if (!ok) throw new FrameInvalidError(`${where}.${key}: bad value`, { reason: 'payload', field: `${where}.${key}` });
      }
    }
  }
}
