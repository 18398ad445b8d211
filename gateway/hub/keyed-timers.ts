/**
 * One-shot timers by key (a thing's retry, an item's result timeout): setting a key again
 * replaces its timer, a timer forgets its key when it fires, clearAll() ends them all. Timers are
 * unref'd: they never keep the process alive.
 */
export class KeyedTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  has(key: string): boolean {
    return this.timers.has(key);
  }

  set(key: string, ms: number, fn: () => void): void {
    this.clear(key);
    const t = setTimeout(() => {
      this.timers.delete(key);
      fn();
    }, Math.max(0, ms));
    t.unref();
    this.timers.set(key, t);
  }

  clear(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
