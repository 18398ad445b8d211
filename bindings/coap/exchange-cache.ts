/**
 * Deduplication of incoming messages (RFC 7252 §4.5): a CON's response is kept for
 * EXCHANGE_LIFETIME and sent again for a duplicate; a NON's Message ID is remembered for
 * NON_LIFETIME and a duplicate dropped. Bounded by entry count (the oldest go first) and by time,
 * unlike node-coap's response cache, which kept ~4 KB per request for 247 s (FACTS.md).
 */

interface Entry {
  expiresAt: number;
  /** The response sent for a CON; null for a NON, or a CON whose answer is not ready. */
  response: Buffer | null;
}

export class ExchangeCache {
  private readonly map = new Map<string, Entry>();
  evicted = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The entry for a duplicate, or undefined for a new message. */
  lookup(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (e && e.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  remember(key: string, lifetimeMs: number, response: Buffer | null): void {
    const now = this.now();
    // Entries share one lifetime per kind, so the oldest sit at the front of the Map.
    for (const [k, e] of this.map) {
      if (e.expiresAt > now && this.map.size < this.maxEntries) break;
      this.map.delete(k);
      if (e.expiresAt > now) this.evicted++;
    }
    this.map.set(key, { expiresAt: now + lifetimeMs, response });
  }

  setResponse(key: string, response: Buffer): void {
    const e = this.map.get(key);
    if (e) e.response = response;
  }

  clear(): void {
    this.map.clear();
  }
}
