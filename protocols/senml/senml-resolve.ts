/**
 * Resolution of a SenML pack (RFC 8428 §4.6): base fields folded into each record, names
 * concatenated and checked, relative times made absolute. What a consumer stores is the result.
 */
import { SenmlInvalidError } from '../errors.js';
import { SENML_VERSION, type SenmlRecord } from './senml-labels.js';

/** A resolved record (RFC 8428 §4.6): full name, absolute time in epoch seconds, no base fields. */
export interface ResolvedRecord {
  n: string;
  /** Epoch seconds. */
  t: number;
  u?: string;
  v?: number;
  vs?: string;
  vb?: boolean;
  vd?: Uint8Array;
  s?: number;
  ut?: number;
}

/** RFC 8428 §4.5.3: times below 2**28 are relative to now. */
export const RELATIVE_TIME_LIMIT = 2 ** 28;

// RFC 8428 §4.5.1: name characters and first character.
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9\-:./_]*$/;

interface Base {
  bn: string;
  bt: number;
  bu: string | undefined;
  bv: number | undefined;
  bs: number | undefined;
}

/** The value of a resolved record, whichever field carries it (Sum when there is no Value). */
export function resolvedValue(r: ResolvedRecord): number | string | boolean | Uint8Array | undefined {
  return r.v ?? r.vs ?? r.vb ?? r.vd ?? r.s;
}

function finiteSum(base: number | undefined, x: number, index: number, name: string, what: string): number {
  const sum = (base ?? 0) + x;
  if (!Number.isFinite(sum)) throw new SenmlInvalidError(`record ${index}: ${what} is out of range`, { index, name });
  return sum;
}

/** Resolves a pack against the receiver's clock `nowSec` (epoch seconds). Throws SenmlInvalidError. */
export function resolveSenml(records: readonly SenmlRecord[], nowSec: number): ResolvedRecord[] {
  const base: Base = { bn: '', bt: 0, bu: undefined, bv: undefined, bs: undefined };
  return records.map((rec, i) => {
    // RFC 8428 §4.4: a receiver rejects a pack whose version it does not understand.
    if (rec.bver !== undefined && (rec.bver > SENML_VERSION || rec.bver < 1)) {
      throw new SenmlInvalidError(`record ${i}: SenML version ${rec.bver} not supported (max ${SENML_VERSION})`, { index: i, bver: rec.bver });
    }
    // RFC 8428 §4.1: a base field applies to its record and the following ones, until set again.
    if (rec.bn !== undefined) base.bn = rec.bn;
    if (rec.bt !== undefined) base.bt = rec.bt;
    if (rec.bu !== undefined) base.bu = rec.bu;
    if (rec.bv !== undefined) base.bv = rec.bv;
    if (rec.bs !== undefined) base.bs = rec.bs;

    const n = base.bn + (rec.n ?? '');
    if (!NAME_RE.test(n)) throw new SenmlInvalidError(`record ${i}: invalid name "${n}" (RFC 8428 §4.5.1)`, { index: i, name: n });

    const valueFields = [rec.v, rec.vs, rec.vb, rec.vd].filter((x) => x !== undefined).length;
    // RFC 8428 §4.2: exactly one value field, unless a Sum is present (then it may have none).
    if (valueFields > 1) throw new SenmlInvalidError(`record ${i}: more than one value field`, { index: i, name: n });
    if (valueFields === 0 && rec.s === undefined) throw new SenmlInvalidError(`record ${i}: no value and no sum`, { index: i, name: n });

    // RFC 8428 §4.6: resolved time = Base Time + Time; §4.5.3: below 2**28 it is relative to now.
    const rawT = base.bt + (rec.t ?? 0);
    const t = rawT < RELATIVE_TIME_LIMIT ? nowSec + rawT : rawT;
    // Each field is finite (senml-record.ts) but a sum of two may not be: Infinity has no JSON
    // form (it would be served as null) and, as a time, would outrank every later reading.
    if (!Number.isFinite(t * 1000)) throw new SenmlInvalidError(`record ${i}: Base Time + Time is out of range`, { index: i, name: n });
    const out: ResolvedRecord = { n, t };
    const u = rec.u ?? base.bu;
    if (u !== undefined) out.u = u;
    // RFC 8428 §4.6: Base Value is added to Value, Base Sum to Sum.
    if (rec.v !== undefined) out.v = finiteSum(base.bv, rec.v, i, n, 'Base Value + Value');
    if (rec.vs !== undefined) out.vs = rec.vs;
    if (rec.vb !== undefined) out.vb = rec.vb;
    if (rec.vd !== undefined) out.vd = rec.vd;
    if (rec.s !== undefined) out.s = finiteSum(base.bs, rec.s, i, n, 'Base Sum + Sum');
    if (rec.ut !== undefined) out.ut = rec.ut;
    return out;
  });
}
