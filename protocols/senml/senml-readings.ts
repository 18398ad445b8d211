/**
 * Resolved SenML records to what a binding tells the hub, in one pure function for every binding
 * that takes SenML (CoAP telemetry, serial telemetry): each record becomes a reading (name, value,
 * epoch ms; byte values as base64url text, as SenML+JSON carries them), names are matched to the
 * device's affordances (by full name, else by the part after the last `/` or `:`, RFC 8428 §4.5.1's
 * base-name convention), events stay one report each, and property values are grouped by time,
 * in record order.
 */
import { resolvedValue, type ResolvedRecord } from './senml-resolve.js';

/** One reading: the name as the device sent it, its value, epoch ms. */
export interface Reading {
  name: string;
  value: unknown;
  ts: number;
}

/** What a reading is on the device's thing; anything else (unknown names, actions) is not a reading. */
export type ReadingKind = 'property' | 'event';

/** A report for the hub, in the order the records came. */
export type ReadingReport =
  | { kind: 'event'; name: string; value: unknown; ts: number }
  | { kind: 'properties'; values: Record<string, unknown>; ts: number };

export interface GroupedReadings {
  reports: ReadingReport[];
  /** Readings that reached an affordance, with the affordance's name. */
  accepted: Array<{ name: string; value: unknown }>;
  /** Readings whose name matched no property or event. */
  unknown: number;
}

/** Resolved records (RFC 8428 §4.6) to readings; time from seconds to epoch ms. */
export function senmlReadings(records: readonly ResolvedRecord[]): Reading[] {
  return records.map((r) => {
    const v = resolvedValue(r);
    return { name: r.n, value: v instanceof Uint8Array ? Buffer.from(v).toString('base64url') : v, ts: Math.round(r.t * 1000) };
  });
}

/** A record name to an affordance name of `known`: the full name, else its last `/` or `:` segment. */
export function affordanceName(name: string, known: ReadonlyMap<string, unknown>): string | undefined {
  if (known.has(name)) return name;
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf(':'));
  if (cut < 0) return undefined;
  const short = name.slice(cut + 1);
  return known.has(short) ? short : undefined;
}

/**
 * Groups readings for the hub. `kindOf` says what an affordance name is on the thing (undefined:
 * not a reading, e.g. an action). Property values of one timestamp travel together.
 */
export function groupReadings<K>(readings: readonly Reading[], affordances: ReadonlyMap<string, K>, kindOf: (affordance: K) => ReadingKind | undefined): GroupedReadings {
  const out: GroupedReadings = { reports: [], accepted: [], unknown: 0 };
  let batch: { kind: 'properties'; values: Record<string, unknown>; ts: number } | null = null;
  for (const r of readings) {
    const name = affordanceName(r.name, affordances);
    const af = name === undefined ? undefined : affordances.get(name);
    const kind = af === undefined ? undefined : kindOf(af);
    if (name === undefined || kind === undefined) {
      out.unknown++;
      continue;
    }
    out.accepted.push({ name, value: r.value });
    if (kind === 'event') {
      out.reports.push({ kind: 'event', name, value: r.value, ts: r.ts });
      continue;
    }
    if (!batch || batch.ts !== r.ts) {
      batch = { kind: 'properties', values: {}, ts: r.ts };
      out.reports.push(batch);
    }
    batch.values[name] = r.value;
  }
  return out;
}
