/**
 * LwM2M CBOR (Content-Format 11544, TS Core 1.2 §7.4.6): nested CBOR maps keyed by path
 * components from the root, e.g. {3303: {0: {5700: 21.5}}}; a key may also be an array of
 * components ({[3303, 0]: {5700: 21.5}}). Leaves are typed CBOR values: Time as tag 1, Objlnk
 * as text "oid:iid", Opaque as a byte string.
 */
import { Tag } from 'cbor-x';
import { decodeCborMaps, encodeCbor } from '../cbor.js';
import { CborMalformedError } from '../errors.js';
import { MAX_ID, resourceModelAt, type ObjectModels, type ResourceType } from './lwm2m-model.js';
import { MAX_PATH_DEPTH, formatPath, isUnder, parsePath, type Lwm2mPath } from './lwm2m-path.js';
import { formatObjlnk, isObjlnk, type Lwm2mValue, type ResourceValue } from './lwm2m-value.js';
import { fitToType, inferType } from './value-types.js';

export const LWM2M_CBOR_CONTENT_FORMAT = 11544;

export interface Lwm2mCborLimits {
  /** Values in one payload (default 4096). */
  maxValues?: number;
}

function fail(msg: string, details?: Record<string, unknown>): never {
  throw new CborMalformedError(`LwM2M CBOR: ${msg}`, details);
}

function keyComponents(key: unknown, at: readonly number[]): number[] {
  const parts = Array.isArray(key) ? key : [key];
  if (parts.length === 0) fail(`empty key array under ${formatPath(at)}`);
  return parts.map((k) => {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > MAX_ID) fail(`key ${JSON.stringify(k)} under ${formatPath(at)} is not an id 0..${MAX_ID}`);
    return k;
  });
}

/** A decoded CBOR leaf as a LwM2M value (also used for Content-Format 60). */
export function cborLeafValue(raw: unknown, path: string): Lwm2mValue {
  if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'string') return raw;
  if (typeof raw === 'bigint') return raw >= BigInt(Number.MIN_SAFE_INTEGER) && raw <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(raw) : raw;
  if (raw instanceof Uint8Array) return new Uint8Array(raw);
  // RFC 8949 §3.4.2: tag 1 is epoch time; cbor-x hands it over as a Date.
  if (raw instanceof Date) return raw.getTime() / 1000;
  if (raw instanceof Tag) fail(`${path}: CBOR tag ${String(raw.tag)} is not a LwM2M value`, { path, tag: raw.tag });
  return fail(`${path}: ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw} is not a LwM2M value`, { path });
}

function walk(node: Map<unknown, unknown>, at: number[], base: Lwm2mPath, models: ObjectModels, out: ResourceValue[], maxValues: number): void {
  for (const [key, child] of node) {
    const path = [...at, ...keyComponents(key, at)];
    // §7.4.6: keys name at most object, instance, resource, resource instance.
    if (path.length > MAX_PATH_DEPTH) fail(`nesting too deep at ${formatPath(path)} (more than ${MAX_PATH_DEPTH} path components)`, { path: formatPath(path) });
    if (child instanceof Map) {
      walk(child, path, base, models, out, maxValues);
      continue;
    }
    const text = formatPath(path);
    if (path.length < 3) fail(`value at ${text}, which is not a resource`, { path: text });
    if (!isUnder(path, base)) fail(`${text} lies outside ${formatPath(base)}`, { path: text });
    if (out.length >= maxValues) fail(`more than ${maxValues} values`);
    const type = resourceModelAt(models, path[0]!, path[2]!)?.type;
    out.push({ path: text, value: fitToType(type, cborLeafValue(child, text), text) });
  }
}

/** Decodes an LwM2M CBOR payload for `base`. Throws CborMalformedError or ValueInvalidError. */
export function decodeLwm2mCbor(bytes: Uint8Array, base: Lwm2mPath, models: ObjectModels, limits: Lwm2mCborLimits = {}): ResourceValue[] {
  const root = decodeCborMaps(bytes);
  if (!(root instanceof Map)) fail('the payload must be a CBOR map');
  const out: ResourceValue[] = [];
  walk(root, [], base, models, out, limits.maxValues ?? 4096);
  return out;
}

const TWO_32 = 2 ** 32;

function wireValue(type: ResourceType, v: Lwm2mValue): unknown {
  if (isObjlnk(v)) return formatObjlnk(v);
  // RFC 8949 §3.4.2: epoch time under tag 1. cbor-x cannot decode tag 1 around a 64-bit
  // integer, so times past 2106 travel as a float (exact below 2^53).
  if (type === 'Time') return new Tag(typeof v === 'bigint' ? Number(v) : v, 1);
  // cbor-x writes numbers beyond 32 bits as floats: integers go as bigint to stay integers.
  const integral = type === 'Integer' || type === 'Unsigned Integer';
  if (integral && typeof v === 'number' && Number.isInteger(v) && Math.abs(v) >= TWO_32) return BigInt(v);
  return v;
}

/** Encodes values as nested maps {oid: {iid: {rid: value | {riid: value}}}} in the order given. */
export function encodeLwm2mCbor(values: readonly ResourceValue[], models: ObjectModels): Buffer {
  const root = new Map<number, unknown>();
  for (const v of values) {
    const p = parsePath(v.path);
    if (p.length < 3) fail(`${v.path} is not a resource`);
    let node = root;
    for (const id of p.slice(0, -1)) {
      let next = node.get(id);
      if (!(next instanceof Map)) {
        next = new Map<number, unknown>();
        node.set(id, next);
      }
      node = next as Map<number, unknown>;
    }
    const type = resourceModelAt(models, p[0]!, p[2]!)?.type ?? inferType(v.value);
    node.set(p[p.length - 1]!, wireValue(type, v.value));
  }
  return encodeCbor(root);
}
