/**
 * CBOR configured for interoperability with independent decoders (Python cbor2, libcoap
 * payload files, C firmware): no tag 259 around maps, no record extension, plain byte strings.
 * See ../shared/FACTS.md (cbor-x defaults wrap Maps in tag 259).
 */
import { Decoder, Encoder } from 'cbor-x';
import { CborMalformedError } from './errors.js';

// `useTag259ForMaps` is honoured by cbor-x's encoder (encode.js) but missing from its typings.
const encoderOptions = {
  useRecords: false,
  variableMapSize: true,
  useTag259ForMaps: false,
  tagUint8Array: false,
  mapsAsObjects: true,
};
const encoder = new Encoder(encoderOptions);

/** Decodes maps with integer keys into Map, so SenML's negative labels keep their type. */
const mapDecoder = new Decoder({ useRecords: false, mapsAsObjects: false });
const objectDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });

/** Encodes one value as plain CBOR (RFC 8949), definite lengths. */
export function encodeCbor(value: unknown): Buffer {
  return encoder.encode(value);
}

/** Decodes exactly one CBOR item; maps become Map (integer keys kept). Throws CborMalformedError. */
export function decodeCborMaps(bytes: Uint8Array): unknown {
  return decodeWith(mapDecoder, bytes);
}

/** Decodes exactly one CBOR item; maps become plain objects. Throws CborMalformedError. */
export function decodeCbor(bytes: Uint8Array): unknown {
  return decodeWith(objectDecoder, bytes);
}

function decodeWith(decoder: Decoder, bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new CborMalformedError('empty CBOR payload');
  let items: unknown[];
  try {
    items = decoder.decodeMultiple(bytes) as unknown[];
  } catch (err) {
    throw new CborMalformedError(`malformed CBOR: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (!Array.isArray(items) || items.length !== 1) {
    throw new CborMalformedError(`expected one CBOR item, found ${Array.isArray(items) ? items.length : 0}`);
  }
  return items[0];
}

/**
 * Decodes exactly one CBOR item that a device sends as a value (telemetry, results, notifications):
 * maps become plain objects, and the item must be JSON data (null, booleans, finite numbers, text,
 * arrays, maps; byte strings are kept). A big integer (major type 0/1 beyond 2^53, tag 2/3), NaN,
 * an infinity, `undefined`, a date (tag 0/1) or any other tagged item is refused: the twin, history
 * and queue store values as JSON, which has no form for them (a big integer made them throw).
 * Throws CborMalformedError.
 */
export function decodeCborJson(bytes: Uint8Array): unknown {
  const value = decodeWith(objectDecoder, bytes);
  const todo: unknown[] = [value];
  while (todo.length > 0) {
    const v = todo.pop();
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || v instanceof Uint8Array) continue;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) continue;
      throw new CborMalformedError(`CBOR value ${v} has no JSON form`);
    }
    if (Array.isArray(v)) {
      for (const x of v) todo.push(x);
      continue;
    }
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      for (const k in v) if (Object.hasOwn(v, k)) todo.push((v as Record<string, unknown>)[k]);
      continue;
    }
    throw new CborMalformedError(`CBOR ${typeof v === 'object' ? (v as object).constructor?.name ?? 'item' : typeof v} has no JSON form`);
  }
  return value;
}
