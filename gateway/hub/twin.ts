/**
 * The twin: last known value of each property with its time and source, served even while the
 * device sleeps. Kept in memory; persisted through the history store's batches.
 *
 * Memory (issue 20): a thing's values are one flat array, name, value, time and source in turn,
 * not a Map of its own with an object per value: a device has a few properties, and the Map and
 * objects of 10,000 things cost ~190 bytes more a thing than the array (docs/fleet.md "Gateway
 * memory per device"). A name is found by a scan, a few string comparisons for a sensor, bounded
 * by the TD's properties; a read makes the TwinValue it returns.
 */
import type { HistoryStore } from '../store/history-store.js';
import type { TwinValue } from './types.js';

/** name0, value0, ts0, source0, name1, ... */
type Values = unknown[];
const STRIDE = 4;

export class Twin {
  private readonly values = new Map<string, Values>();

  constructor(private readonly history: HistoryStore) {
    for (const row of history.loadTwin()) this.put(row.thingId, row.name, row.value);
  }

  /**
   * Stores the value unless a newer one is already known; returns true when it was stored. A known
   * value stamped after `notAfter` (epoch ms, a time no real reading can have yet) counts as older.
   */
  set(thingId: string, name: string, v: TwinValue, notAfter = Infinity): boolean {
    const values = this.values.get(thingId);
    const i = values === undefined ? -1 : indexOf(values, name);
    if (i >= 0) {
      const ts = values![i + 2] as number;
      if (ts > v.ts && ts <= notAfter) return false;
    }
    this.put(thingId, name, v);
    this.history.setTwin(thingId, name, v);
    return true;
  }

  get(thingId: string, name: string): TwinValue | undefined {
    const values = this.values.get(thingId);
    if (values === undefined) return undefined;
    const i = indexOf(values, name);
    return i < 0 ? undefined : at(values, i);
  }

  all(thingId: string): Record<string, TwinValue> {
    const out: Record<string, TwinValue> = {};
    const values = this.values.get(thingId) ?? [];
    for (let i = 0; i < values.length; i += STRIDE) out[values[i] as string] = at(values, i);
    return out;
  }

  /** A thing removed from the directory: its values go, here and in the store. */
  forget(thingId: string): void {
    this.values.delete(thingId);
    this.history.deleteTwin(thingId);
  }

  private put(thingId: string, name: string, v: TwinValue): void {
    const values = this.values.get(thingId);
    if (values === undefined) {
      this.values.set(thingId, [name, v.value, v.ts, v.source]);
      return;
    }
    const i = indexOf(values, name);
    if (i < 0) {
      values.push(name, v.value, v.ts, v.source);
    } else {
      values[i + 1] = v.value;
      values[i + 2] = v.ts;
      values[i + 3] = v.source;
    }
  }
}

function indexOf(values: Values, name: string): number {
  for (let i = 0; i < values.length; i += STRIDE) if (values[i] === name) return i;
  return -1;
}

function at(values: Values, i: number): TwinValue {
  return { value: values[i + 1], ts: values[i + 2] as number, source: values[i + 3] as string };
}
