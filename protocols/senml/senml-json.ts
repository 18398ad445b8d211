/**
 * SenML+JSON (RFC 8428 §5, Content-Format 110): an array of objects keyed by the JSON labels;
 * Data Values are base64url without padding (§5).
 */
import { SenmlInvalidError } from '../errors.js';
import { LABEL_BY_JSON, type SenmlRecord } from './senml-labels.js';
import { DEFAULT_MAX_RECORDS, buildRecord, checkPackShape, type LabelHit, type SenmlDecodeOptions } from './senml-record.js';

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function* jsonHits(obj: Record<string, unknown>, index: number): Generator<LabelHit> {
  for (const [key, value] of Object.entries(obj)) {
    const label = LABEL_BY_JSON.get(key);
    if (!label) {
      yield { extension: key, value };
    } else if (label.type === 'bytes') {
      // RFC 8428 §5: "vd" is base64url (RFC 4648 §5) text; padding tolerated on input.
      if (typeof value !== 'string' || !BASE64URL.test(value)) {
        throw new SenmlInvalidError(`record ${index}: Data Value (vd) must be base64url text`, { index, label: 'vd' });
      }
      yield { label, value: new Uint8Array(Buffer.from(value, 'base64url')) };
    } else {
      yield { label, value };
    }
  }
}

/** Decodes a SenML+JSON pack (text or UTF-8 bytes) into raw records. Throws SenmlInvalidError. */
export function decodeSenmlJson(input: string | Uint8Array, opts: SenmlDecodeOptions = {}): SenmlRecord[] {
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SenmlInvalidError(`malformed SenML+JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
  const pack = checkPackShape(parsed, opts.maxRecords ?? DEFAULT_MAX_RECORDS);
  return pack.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new SenmlInvalidError(`record ${i}: a SenML record must be a JSON object`, { index: i });
    }
    return buildRecord(jsonHits(item as Record<string, unknown>, i), i);
  });
}

/** Encodes records as SenML+JSON text, keeping each record's field order. */
export function encodeSenmlJson(records: readonly SenmlRecord[]): string {
  return JSON.stringify(
    records.map((rec) => {
      const out: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(rec)) {
        if (!LABEL_BY_JSON.has(field)) throw new SenmlInvalidError(`unknown SenML field ${field}`);
        if (value !== undefined) out[field] = value instanceof Uint8Array ? Buffer.from(value).toString('base64url') : value;
      }
      return out;
    }),
  );
}
