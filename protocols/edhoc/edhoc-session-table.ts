/**
 * The Responder's half-open sessions (message_2 sent, message_3 awaited), keyed by C_R. Bounded:
 * past maxSessions the oldest is evicted and counted, so replayed or abandoned message_1s cost
 * bounded memory (RFC 9528 §9.7). No timers: age is insertion order.
 */
export class HalfOpenSessions<V> {
  private readonly map = new Map<string, V>();
  /** Sessions dropped to make room for newer ones. */
  evicted = 0;

  constructor(readonly maxSessions: number) {
    if (!Number.isInteger(maxSessions) || maxSessions < 1) throw new RangeError('maxSessions must be a positive integer');
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Adds a session; returns the evicted oldest one, if any. */
  add(key: string, value: V): V | undefined {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size <= this.maxSessions) return undefined;
    const [oldestKey, oldest] = this.map.entries().next().value as [string, V];
    this.map.delete(oldestKey);
    this.evicted++;
    return oldest;
  }

  /** Removes and returns a session: message_3 is processed once, whatever its outcome. */
  take(key: string): V | undefined {
    const v = this.map.get(key);
    this.map.delete(key);
    return v;
  }
}
