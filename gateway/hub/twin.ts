/**
 * The twin: last known value of each property with its time and source, served even while the
 * device sleeps. Kept in memory; persisted through the history store's batches.
 */
import type { HistoryStore } from '../store/history-store.js';
import type { TwinValue } from './types.js';

export class Twin {
  private readonly values = new Map<string, Map<string, TwinValue>>();

  constructor(private readonly history: HistoryStore) {
    for (const row of history.loadTwin()) this.thing(row.thingId).set(row.name, row.value);
  }

  private thing(thingId: string): Map<string, TwinValue> {
    let m = this.values.get(thingId);
    if (!m) {
      m = new Map();
      this.values.set(thingId, m);
    }
    return m;
  }

  /**
   * Stores the value unless a newer one is already known; returns true when it was stored. A known
   * value stamped after `notAfter` (epoch ms, a time no real reading can have yet) counts as older.
   */
  set(thingId: string, name: string, v: TwinValue, notAfter = Infinity): boolean {
    const m = this.thing(thingId);
    const old = m.get(name);
    if (old && old.ts > v.ts && old.ts <= notAfter) return false;
    m.set(name, v);
    this.history.setTwin(thingId, name, v);
    return true;
  }

  get(thingId: string, name: string): TwinValue | undefined {
    return this.values.get(thingId)?.get(name);
  }

  all(thingId: string): Record<string, TwinValue> {
    return Object.fromEntries(this.values.get(thingId) ?? []);
  }
}
