/**
 * Builds one SenmlRecord from the label/value pairs of either representation, checking each
 * value's type against the label table. Shared by the JSON and CBOR decoders.
 */
import { SenmlInvalidError } from '../errors.js';
import type { SenmlLabel, SenmlRecord } from './senml-labels.js';

/** What the representation-specific decoder found for one label. */
export type LabelHit = { label: SenmlLabel; value: unknown } | { extension: string; value: unknown };

function typeOk(label: SenmlLabel, value: unknown): boolean {
  switch (label.type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'bytes':
      return value instanceof Uint8Array;
  }
}

/** Folds the label hits of one record into a SenmlRecord; throws SenmlInvalidError. */
export function buildRecord(hits: Iterable<LabelHit>, index: number): SenmlRecord {
  const rec: Record<string, unknown> = {};
  for (const hit of hits) {
    if ('extension' in hit) {
      // RFC 8428 §4.4: labels ending in "_" must be understood; other unknown labels are ignored.
      if (hit.extension.endsWith('_')) {
        throw new SenmlInvalidError(`record ${index}: must-understand label "${hit.extension}" is not supported`, { index, label: hit.extension });
      }
      continue;
    }
    const { label, value } = hit;
    if (!typeOk(label, value)) {
      throw new SenmlInvalidError(`record ${index}: ${label.title} (${label.json}) must be ${label.type === 'bytes' ? 'a byte string' : `a ${label.type}`}`, { index, label: label.json });
    }
    if (label.json in rec) throw new SenmlInvalidError(`record ${index}: duplicate label ${label.json}`, { index, label: label.json });
    rec[label.json] = value;
  }
  return rec as SenmlRecord;
}

/** Limits of a decode call. */
export interface SenmlDecodeOptions {
  /** Records in one pack (default 1000). */
  maxRecords?: number;
}

export const DEFAULT_MAX_RECORDS = 1000;

export function checkPackShape(pack: unknown, maxRecords: number): readonly unknown[] {
  // RFC 8428 §4: a SenML Pack is an array of Records.
  if (!Array.isArray(pack)) throw new SenmlInvalidError('a SenML pack must be an array of records');
  if (pack.length === 0) throw new SenmlInvalidError('empty SenML pack');
  if (pack.length > maxRecords) throw new SenmlInvalidError(`SenML pack has ${pack.length} records, limit ${maxRecords}`, { records: pack.length, maxRecords });
  return pack;
}
