/**
 * The registrations of the resource directory (RFC 9176 §5.3): endpoint name, location id,
 * lifetime, source address, affordances. Plus the per-address token bucket that turns a
 * registration flood into 4.29 responses.
 */
import type { Remote } from './coap-endpoint.js';
import type { Affordance } from './native-td.js';

export interface Registration {
  ep: string;
  /** Location id: the registration resource is /rd/<id> (RFC 9176 §5.3 Location-Path). */
  id: string;
  thingId: string;
  remote: Remote;
  sleepy: boolean;
  /** A sleepy device that serves POST /q/<ep> while awake (it registered a `roost.q` link). */
  push: boolean;
  lifetimeS: number;
  expiresAt: number;
  /** expiresAt as last written to the binding's store (lifetime refreshes are written lazily). */
  savedExpiresAt: number;
  affordances: Map<string, Affordance>;
  /** Tokens of our observations of the device's resources (always-on devices). */
  observations: Buffer[];
}

export class RegistrationTable {
  private readonly byEp = new Map<string, Registration>();
  private readonly byId = new Map<string, Registration>();
  private nextId = 1;

  get size(): number {
    return this.byEp.size;
  }

  newId(): string {
    return (this.nextId++).toString(36);
  }

  /** The number the next new id gets (kept in the binding's store, so ids are never reused after a restart). */
  get next(): number {
    return this.nextId;
  }

  /** Ids are numbered from `n` on (at start, from the store). */
  seed(n: number): void {
    if (Number.isSafeInteger(n) && n > this.nextId) this.nextId = n;
  }

  ep(ep: string): Registration | undefined {
    return this.byEp.get(ep);
  }

  id(id: string): Registration | undefined {
    return this.byId.get(id);
  }

  put(r: Registration): void {
    // Restored registrations keep their ids: new ones are numbered after them.
    const n = parseInt(r.id, 36);
    if (Number.isSafeInteger(n) && n >= this.nextId) this.nextId = n + 1;
    const old = this.byEp.get(r.ep);
    if (old) this.byId.delete(old.id);
    this.byEp.set(r.ep, r);
    this.byId.set(r.id, r);
  }

  delete(r: Registration): void {
    this.byEp.delete(r.ep);
    this.byId.delete(r.id);
  }

  /** Registrations whose lifetime ran out (RFC 9176 §5.3: the RD then removes them). */
  expired(now: number): Registration[] {
    const out: Registration[] = [];
    for (const r of this.byEp.values()) if (r.expiresAt <= now) out.push(r);
    return out;
  }

  all(): IterableIterator<Registration> {
    return this.byEp.values();
  }

  clear(): void {
    this.byEp.clear();
    this.byId.clear();
  }
}

/** Token bucket per source address: `perMinute` tokens, refilled continuously; bounded in addresses. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
    private readonly maxAddresses = 4096,
  ) {}

  take(address: string): boolean {
    const now = this.now();
    let b = this.buckets.get(address);
    if (!b) {
      if (this.buckets.size >= this.maxAddresses) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      b = { tokens: this.perMinute, at: now };
      this.buckets.set(address, b);
    }
    b.tokens = Math.min(this.perMinute, b.tokens + ((now - b.at) * this.perMinute) / 60000);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
