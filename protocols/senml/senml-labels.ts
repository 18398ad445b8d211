/**
 * The SenML labels as data (RFC 8428 §6 Table 4): JSON label, CBOR integer label, value type and
 * whether it is a base field. One generic encoder/decoder per representation reads this table.
 */

/** JSON value type of a label; `bytes` is base64url text in JSON and a byte string in CBOR (RFC 8428 §5). */
export type SenmlValueType = 'string' | 'number' | 'integer' | 'boolean' | 'bytes';

export interface SenmlLabel {
  /** JSON label, also the field name of SenmlRecord. */
  readonly json: SenmlField;
  /** CBOR integer label (RFC 8428 §6 Table 4). */
  readonly cbor: number;
  readonly type: SenmlValueType;
  readonly title: string;
}

/** A raw SenML record as it travels: base and regular fields, unresolved (RFC 8428 §4.1-§4.5). */
export interface SenmlRecord {
  bn?: string;
  bt?: number;
  bu?: string;
  bv?: number;
  bs?: number;
  bver?: number;
  n?: string;
  u?: string;
  v?: number;
  vs?: string;
  vb?: boolean;
  vd?: Uint8Array;
  s?: number;
  t?: number;
  ut?: number;
}

export type SenmlField = keyof SenmlRecord;

// RFC 8428 §6 Table 4, in the order of §4.1 (base fields) then §4.2 (regular fields).
export const SENML_LABELS: readonly SenmlLabel[] = [
  { json: 'bn', cbor: -2, type: 'string', title: 'Base Name' },
  { json: 'bt', cbor: -3, type: 'number', title: 'Base Time' },
  { json: 'bu', cbor: -4, type: 'string', title: 'Base Unit' },
  { json: 'bv', cbor: -5, type: 'number', title: 'Base Value' },
  { json: 'bs', cbor: -6, type: 'number', title: 'Base Sum' },
  { json: 'bver', cbor: -1, type: 'integer', title: 'Base Version' },
  { json: 'n', cbor: 0, type: 'string', title: 'Name' },
  { json: 'u', cbor: 1, type: 'string', title: 'Unit' },
  { json: 'v', cbor: 2, type: 'number', title: 'Value' },
  { json: 'vs', cbor: 3, type: 'string', title: 'String Value' },
  { json: 'vb', cbor: 4, type: 'boolean', title: 'Boolean Value' },
  { json: 'vd', cbor: 8, type: 'bytes', title: 'Data Value' },
  { json: 's', cbor: 5, type: 'number', title: 'Sum' },
  { json: 't', cbor: 6, type: 'number', title: 'Time' },
  { json: 'ut', cbor: 7, type: 'number', title: 'Update Time' },
];

export const LABEL_BY_JSON: ReadonlyMap<string, SenmlLabel> = new Map(SENML_LABELS.map((l) => [l.json, l]));
export const LABEL_BY_CBOR: ReadonlyMap<number, SenmlLabel> = new Map(SENML_LABELS.map((l) => [l.cbor, l]));

/** The SenML version this codec implements (RFC 8428 §4.4: default Base Version 10). */
export const SENML_VERSION = 10;

/** Content-Format ids (RFC 8428 §12.3): application/senml+json 110, application/senml+cbor 112. */
export const SENML_JSON_CONTENT_FORMAT = 110;
export const SENML_CBOR_CONTENT_FORMAT = 112;
