/**
 * Deduplication of incoming messages (RFC 7252 §4.5): a CON's response is kept for
 * EXCHANGE_LIFETIME and sent again for a duplicate; a NON's Message ID is remembered for
 * NON_LIFETIME and a duplicate dropped. Bounded by entry count (the oldest go first) and by time,
 * unlike node-coap's response cache, which kept ~4 KB per request for 247 s (FACTS.md).
 *
 * Entries sit in a ring in arrival order, so making room is O(1) per message: the ingest profile
 * showed the earlier scan from the front of the Map (which skips deleted slots) at ~3 us a message
 * once the cache was full.
 */

interface Entry {
  key: string;
  expiresAt: number;
  /** The response sent for a CON; null for a NON, or a CON whose answer is not ready. */
  response: Buffer | null;
}

export class ExchangeCache {
  private readonly map = new Map<string, Entry>();
  /** Entries in arrival order; slots of entries already gone from the map are skipped on the way out. */
  private readonly ring: Array<Entry | undefined>;
  private head = 0;
  private count = 0;
  evicted = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {
    this.ring = new Array<Entry | undefined>(maxEntries);
  }

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
    // Expired entries at the front go; when the ring is full, the oldest goes even if it is live.
    while (this.count > 0) {
      const oldest = this.ring[this.head];
      if (this.count < this.maxEntries && oldest && oldest.expiresAt > now) break;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.maxEntries;
      this.count--;
      if (oldest && this.map.get(oldest.key) === oldest) {
        this.map.delete(oldest.key);
        if (oldest.expiresAt > now) this.evicted++;
      }
    }
    const e: Entry = { key, expiresAt: now + lifetimeMs, response };
    this.map.set(key, e);
    this.ring[(this.head + this.count) % this.maxEntries] = e;
    this.count++;
  }

  setResponse(key: string, response: Buffer): void {
    const e = this.map.get(key);
    if (e) e.response = response;
  }

  clear(): void {
    this.map.clear();
    this.ring.fill(undefined);
    this.head = 0;
    this.count = 0;
  }
}
