/**
 * SenML+CBOR (RFC 8428 §6, Content-Format 112): an array of maps keyed by the integer labels of
 * Table 4; extension labels are text strings. Encoded through the interoperable cbor-x config.
 */
import { decodeCborMaps, encodeCbor } from '../cbor.js';
import { SenmlInvalidError } from '../errors.js';
import { LABEL_BY_CBOR, LABEL_BY_JSON, type SenmlRecord } from './senml-labels.js';
import { DEFAULT_MAX_RECORDS, buildRecord, checkPackShape, type LabelHit, type SenmlDecodeOptions } from './senml-record.js';

function* cborHits(map: Map<unknown, unknown>, index: number): Generator<LabelHit> {
  for (const [key, value] of map) {
    if (typeof key === 'number') {
      const label = LABEL_BY_CBOR.get(key);
      // RFC 8428 §6: integer labels outside the table are not defined; treat as unknown (ignored).
      if (label) yield { label, value };
      else yield { extension: String(key), value };
    } else if (typeof key === 'string') {
      yield { extension: key, value };
    } else {
      throw new SenmlInvalidError(`record ${index}: label must be an integer or a text string`, { index });
    }
  }
}

/** Decodes a SenML+CBOR pack into raw records. Throws CborMalformedError or SenmlInvalidError. */
export function decodeSenmlCbor(bytes: Uint8Array, opts: SenmlDecodeOptions = {}): SenmlRecord[] {
  const pack = checkPackShape(decodeCborMaps(bytes), opts.maxRecords ?? DEFAULT_MAX_RECORDS);
  return pack.map((item, i) => {
    if (!(item instanceof Map)) throw new SenmlInvalidError(`record ${i}: a SenML record must be a CBOR map`, { index: i });
    return buildRecord(cborHits(item, i), i);
  });
}

/** Encodes records as SenML+CBOR, keeping each record's field order. */
export function encodeSenmlCbor(records: readonly SenmlRecord[]): Buffer {
  return encodeCbor(
    records.map((rec) => {
      const m = new Map<number, unknown>();
      for (const [field, value] of Object.entries(rec)) {
        const label = LABEL_BY_JSON.get(field);
        if (!label) throw new SenmlInvalidError(`unknown SenML field ${field}`);
        if (value !== undefined) m.set(label.cbor, label.type === 'bytes' ? Buffer.from(value as Uint8Array) : value);
      }
      return m;
    }),
  );
}
