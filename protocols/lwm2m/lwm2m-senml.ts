/**
 * SenML JSON (110) and SenML CBOR (112) as LwM2M uses them (TS Core 1.1 §7.4.4, §7.4.5):
 * the name `bn` + `n` is the LwM2M path (`/3303/0/` + `5700`), values travel as v/vs/vb/vd and
 * object links as the LwM2M label `vlo` ("oid:iid"). Records and labels come from
 * protocols/senml; path resolution is LwM2M's (its names start with "/", which RFC 8428
 * resolution rejects).
 */
import { decodeCborMaps, encodeCbor } from '../cbor.js';
import { SenmlInvalidError } from '../errors.js';
import {
  LABEL_BY_JSON,
  RELATIVE_TIME_LIMIT,
  SENML_CBOR_CONTENT_FORMAT,
  decodeSenmlCbor,
  decodeSenmlJson,
  type SenmlRecord,
} from '../senml/index.js';
import { resourceModelAt, type ObjectModels, type ResourceType } from './lwm2m-model.js';
import { formatPath, isUnder, parsePath, type Lwm2mPath } from './lwm2m-path.js';
import { formatObjlnk, isObjlnk, parseObjlnk, type Lwm2mValue, type ResourceValue } from './lwm2m-value.js';
import { fitToType, inferType } from './value-types.js';

/** §7.4.4 Table 7.4.4-1: the object-link value label, text in both representations. */
export const VLO = 'vlo';

export interface Lwm2mSenmlOptions {
  /** Receiver clock for relative times (RFC 8428 §4.5.3), epoch seconds; default now. */
  nowSec?: number;
  /** Records in one pack (default 1000, protocols/senml). */
  maxRecords?: number;
}

/** A record as read: SenML fields plus the LwM2M object link. */
type LwRecord = SenmlRecord & { vlo?: string };

function rawVlo(cf: number, bytes: Uint8Array): (unknown | undefined)[] {
  if (cf === SENML_CBOR_CONTENT_FORMAT) {
    const pack = decodeCborMaps(bytes) as unknown[];
    return pack.map((r) => (r instanceof Map ? r.get(VLO) : undefined));
  }
  const pack = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown[];
  return pack.map((r) => (r !== null && typeof r === 'object' ? (r as Record<string, unknown>)[VLO] : undefined));
}

function readRecords(cf: number, bytes: Uint8Array, opts: Lwm2mSenmlOptions): LwRecord[] {
  const decodeOpts = opts.maxRecords === undefined ? {} : { maxRecords: opts.maxRecords };
  const records: LwRecord[] = cf === SENML_CBOR_CONTENT_FORMAT ? decodeSenmlCbor(bytes, decodeOpts) : decodeSenmlJson(bytes, decodeOpts);
  // protocols/senml ignores labels it does not know (RFC 8428 §4.4); LwM2M's vlo is read here.
  rawVlo(cf, bytes).forEach((vlo, i) => {
    if (vlo === undefined) return;
    if (typeof vlo !== 'string') throw new SenmlInvalidError(`record ${i}: vlo must be text "oid:iid"`, { index: i });
    records[i]!.vlo = vlo;
  });
  return records;
}

interface Resolved {
  path: number[];
  name: string;
  record: LwRecord;
  time: number | undefined;
  /** Base Value in effect (RFC 8428 §4.6: added to v). */
  bv: number;
}

function resolve(records: readonly LwRecord[], nowSec: number): Resolved[] {
  let bn = '';
  let bt: number | undefined;
  let bv = 0;
  return records.map((rec, i) => {
    // RFC 8428 §4.1: base fields apply to this record and the following ones.
    if (rec.bn !== undefined) bn = rec.bn;
    if (rec.bt !== undefined) bt = rec.bt;
    if (rec.bv !== undefined) bv = rec.bv;
    const name = bn + (rec.n ?? '');
    // TS Core §7.4.4: the resolved name is the path of the resource or resource instance.
    if (!name.startsWith('/')) throw new SenmlInvalidError(`record ${i}: name "${name}" is not a LwM2M path`, { index: i, name });
    let path: number[];
    try {
      path = parsePath(name);
    } catch (err) {
      throw new SenmlInvalidError(`record ${i}: ${(err as Error).message}`, { index: i, name }, { cause: err });
    }
    const raw = bt === undefined && rec.t === undefined ? undefined : (bt ?? 0) + (rec.t ?? 0);
    const time = raw === undefined ? undefined : raw < RELATIVE_TIME_LIMIT ? nowSec + raw : raw;
    return { path, name, record: rec, time, bv };
  });
}

function recordValue({ record: rec, name, bv }: Resolved, i: number): Lwm2mValue {
  const present = [rec.v, rec.vs, rec.vb, rec.vd, rec.vlo].filter((x) => x !== undefined);
  if (present.length !== 1) throw new SenmlInvalidError(`record ${i} (${name}): expected exactly one of v, vs, vb, vd, vlo`, { index: i, name });
  if (rec.vlo !== undefined) {
    const link = parseObjlnk(rec.vlo);
    if (!link) throw new SenmlInvalidError(`record ${i} (${name}): vlo "${rec.vlo}" is not oid:iid`, { index: i, name });
    return link;
  }
  if (rec.v !== undefined) return rec.v + bv;
  if (rec.vd !== undefined) return new Uint8Array(rec.vd);
  return (rec.vs ?? rec.vb) as Lwm2mValue;
}

/**
 * Decodes a SenML pack into resource values under `base`, typed by the models. Throws
 * SenmlInvalidError, CborMalformedError or ValueInvalidError.
 */
export function decodeLwm2mSenml(cf: number, bytes: Uint8Array, base: Lwm2mPath, models: ObjectModels, opts: Lwm2mSenmlOptions = {}): ResourceValue[] {
  const resolved = resolve(readRecords(cf, bytes, opts), opts.nowSec ?? Date.now() / 1000);
  return resolved.map((r, i) => {
    const { path, name, time } = r;
    if (path.length < 3) throw new SenmlInvalidError(`record ${i}: ${name} is not a resource`, { index: i, name });
    if (!isUnder(path, base)) throw new SenmlInvalidError(`record ${i}: ${name} lies outside ${formatPath(base)}`, { index: i, name });
    const type = resourceModelAt(models, path[0]!, path[2]!)?.type;
    const out: ResourceValue = { path: formatPath(path), value: fitToType(type, recordValue(r, i), name) };
    if (time !== undefined) out.time = time;
    return out;
  });
}

/** The paths a Read-Composite or Observe-Composite request names (§6.3.? request bodies carry names only). */
export function decodeLwm2mSenmlPaths(cf: number, bytes: Uint8Array, opts: Lwm2mSenmlOptions = {}): string[] {
  return resolve(readRecords(cf, bytes, opts), 0).map((r) => formatPath(r.path));
}

function valueField(type: ResourceType, v: Lwm2mValue): [string, unknown] {
  if (isObjlnk(v)) return [VLO, formatObjlnk(v)];
  switch (type) {
    case 'Boolean':
      return ['vb', v];
    case 'String':
    case 'Corelnk':
      return ['vs', v];
    case 'Opaque':
      return ['vd', v];
    default:
      return ['v', v];
  }
}

/**
 * Records for `values` answered at `base`: one value under base -> {bn: path}; several ->
 * {bn: base + "/"} then relative names; at the root (Send) -> absolute names, no bn.
 */
function toRecords(values: readonly ResourceValue[], base: Lwm2mPath, models: ObjectModels): Record<string, unknown>[] {
  const prefix = base.length === 0 ? '' : `${formatPath(base)}/`;
  const single = values.length === 1 && base.length > 0 && values[0]!.path === formatPath(base);
  return values.map((rv, i) => {
    const p = parsePath(rv.path);
    if (!isUnder(p, base)) throw new SenmlInvalidError(`${rv.path} lies outside ${formatPath(base)}`);
    const rec: Record<string, unknown> = {};
    if (single) rec['bn'] = rv.path;
    else {
      if (i === 0 && prefix) rec['bn'] = prefix;
      rec['n'] = prefix ? p.slice(base.length).join('/') : rv.path;
    }
    const [label, value] = valueField(resourceModelAt(models, p[0]!, p[2]!)?.type ?? inferType(rv.value), rv.value);
    rec[label] = value;
    if (rv.time !== undefined) rec['t'] = rv.time;
    return rec;
  });
}

/** Encodes values as SenML CBOR (112): integer labels of RFC 8428 Table 4, `vlo` as text. */
export function encodeLwm2mSenmlCbor(values: readonly ResourceValue[], base: Lwm2mPath, models: ObjectModels): Buffer {
  return encodeCbor(
    toRecords(values, base, models).map((rec) => {
      const m = new Map<number | string, unknown>();
      for (const [k, v] of Object.entries(rec)) m.set(LABEL_BY_JSON.get(k)?.cbor ?? k, v);
      return m;
    }),
  );
}

/** Encodes values as SenML JSON (110): vd as base64url (RFC 8428 §5), 64-bit integers as numbers. */
export function encodeLwm2mSenmlJson(values: readonly ResourceValue[], base: Lwm2mPath, models: ObjectModels): Buffer {
  const records = toRecords(values, base, models).map((rec) =>
    Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('base64url') : v])),
  );
  return Buffer.from(JSON.stringify(records), 'utf8');
}
