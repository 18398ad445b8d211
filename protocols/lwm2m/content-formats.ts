/**
 * The LwM2M content formats (TS Core §7.4, Table 7.4-1 ... 1.2) as one table, and the two
 * calls a binding or device uses: decode a payload into resource values at a path, encode
 * values for a path. Plain text (0), CBOR (60) and opaque (42) carry one resource value only.
 */
import { decodeCbor, encodeCbor } from '../cbor.js';
import { UnsupportedMediaTypeError, ValueInvalidError } from '../errors.js';
import { SENML_CBOR_CONTENT_FORMAT, SENML_JSON_CONTENT_FORMAT } from '../senml/index.js';
import { cborLeafValue, decodeLwm2mCbor, encodeLwm2mCbor } from './lwm2m-cbor.js';
import { resourceModelAt, type ObjectModels, type ResourceType } from './lwm2m-model.js';
import { formatPath, type Lwm2mPath } from './lwm2m-path.js';
import { decodeLwm2mSenml, encodeLwm2mSenmlCbor, encodeLwm2mSenmlJson } from './lwm2m-senml.js';
import { formatObjlnk, isObjlnk, type Lwm2mValue, type ResourceValue } from './lwm2m-value.js';
import { decodeTlvValues, encodeTlvValues } from './tlv-values.js';
import { TYPE_CODECS, fitToType, inferType } from './value-types.js';

export const CONTENT_FORMAT = {
  TEXT: 0,
  LINK_FORMAT: 40,
  OPAQUE: 42,
  CBOR: 60,
  SENML_JSON: SENML_JSON_CONTENT_FORMAT,
  SENML_CBOR: SENML_CBOR_CONTENT_FORMAT,
  TLV: 11542,
  LWM2M_JSON: 11543,
  LWM2M_CBOR: 11544,
} as const;

export interface DecodeOptions {
  /** Receiver clock for SenML relative times, epoch seconds. */
  nowSec?: number;
}

interface FormatCodec {
  mediaType: string;
  /** True when the format carries one resource value only. */
  single: boolean;
  decode(bytes: Uint8Array, base: Lwm2mPath, models: ObjectModels, opts: DecodeOptions): ResourceValue[];
  encode(values: readonly ResourceValue[], base: Lwm2mPath, models: ObjectModels): Buffer;
}

function singleType(base: Lwm2mPath, models: ObjectModels, cf: number): ResourceType | undefined {
  // §7.4.1/§7.4.2: plain text, opaque and CBOR address one single resource or resource instance.
  if (base.length < 3) throw new UnsupportedMediaTypeError(`content format ${cf} carries one resource value, not ${formatPath(base)}`, { contentFormat: cf });
  return resourceModelAt(models, base[0]!, base[2]!)?.type;
}

function onlyValue(values: readonly ResourceValue[], cf: number): Lwm2mValue {
  if (values.length !== 1) throw new ValueInvalidError(`content format ${cf} carries exactly one value, got ${values.length}`);
  return values[0]!.value;
}

const TEXT: FormatCodec = {
  mediaType: 'text/plain;charset=utf-8',
  single: true,
  decode: (bytes, base, models) => {
    const type = singleType(base, models, 0) ?? 'String';
    return [{ path: formatPath(base), value: TYPE_CODECS[type].fromText(Buffer.from(bytes).toString('utf8')) }];
  },
  encode: (values, base, models) => {
    const v = onlyValue(values, 0);
    const type = singleType(base, models, 0) ?? inferType(v);
    return Buffer.from(TYPE_CODECS[type].toText(v), 'utf8');
  },
};

const OPAQUE: FormatCodec = {
  mediaType: 'application/octet-stream',
  single: true,
  decode: (bytes, base, models) => {
    const type = singleType(base, models, 42);
    // §7.4.2: opaque is for Opaque resources only.
    if (type !== undefined && type !== 'Opaque') throw new UnsupportedMediaTypeError(`${formatPath(base)} is ${type}, not Opaque`, { contentFormat: 42 });
    return [{ path: formatPath(base), value: new Uint8Array(bytes) }];
  },
  encode: (values, base, models) => {
    singleType(base, models, 42);
    const v = onlyValue(values, 42);
    if (!(v instanceof Uint8Array)) throw new UnsupportedMediaTypeError(`${formatPath(base)} is not Opaque`, { contentFormat: 42 });
    return Buffer.from(v);
  },
};

const CBOR: FormatCodec = {
  mediaType: 'application/cbor',
  single: true,
  decode: (bytes, base, models) => {
    const type = singleType(base, models, 60);
    const path = formatPath(base);
    return [{ path, value: fitToType(type, cborLeafValue(decodeCbor(bytes), path), path) }];
  },
  encode: (values, base, models) => {
    singleType(base, models, 60);
    const v = onlyValue(values, 60);
    return encodeCbor(isObjlnk(v) ? formatObjlnk(v) : v);
  },
};

export const FORMATS: ReadonlyMap<number, FormatCodec> = new Map<number, FormatCodec>([
  [CONTENT_FORMAT.TEXT, TEXT],
  [CONTENT_FORMAT.OPAQUE, OPAQUE],
  [CONTENT_FORMAT.CBOR, CBOR],
  [CONTENT_FORMAT.TLV, { mediaType: 'application/vnd.oma.lwm2m+tlv', single: false, decode: (b, base, m) => decodeTlvValues(b, base, m), encode: encodeTlvValues }],
  [CONTENT_FORMAT.LWM2M_CBOR, { mediaType: 'application/vnd.oma.lwm2m+cbor', single: false, decode: (b, base, m) => decodeLwm2mCbor(b, base, m), encode: (v, _b, m) => encodeLwm2mCbor(v, m) }],
  [CONTENT_FORMAT.SENML_JSON, { mediaType: 'application/senml+json', single: false, decode: (b, base, m, o) => decodeLwm2mSenml(110, b, base, m, o), encode: encodeLwm2mSenmlJson }],
  [CONTENT_FORMAT.SENML_CBOR, { mediaType: 'application/senml+cbor', single: false, decode: (b, base, m, o) => decodeLwm2mSenml(112, b, base, m, o), encode: encodeLwm2mSenmlCbor }],
]);

function codec(cf: number): FormatCodec {
  const c = FORMATS.get(cf);
  if (!c) throw new UnsupportedMediaTypeError(`content format ${cf} is not supported for LwM2M values`, { contentFormat: cf });
  return c;
}

/** Decodes a payload of content format `cf` sent for `base`. Throws a typed error (4.00/4.15). */
export function decodeLwm2mContent(cf: number, bytes: Uint8Array, base: Lwm2mPath, models: ObjectModels, opts: DecodeOptions = {}): ResourceValue[] {
  return codec(cf).decode(bytes, base, models, opts);
}

/** Encodes values answered for `base` in content format `cf`. */
export function encodeLwm2mContent(cf: number, values: readonly ResourceValue[], base: Lwm2mPath, models: ObjectModels): Buffer {
  return codec(cf).encode(values, base, models);
}
