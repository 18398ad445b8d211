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
  /** Shared with every registration whose links name the same affordances (RegistrationTable.put). */
  affordances: ReadonlyMap<string, Affordance>;
  /** Tokens of our observations of the device's resources (always-on devices); NO_OBSERVATIONS for most. */
  observations: readonly Buffer[];
}

/** The observations of a registration with none (sleepy devices): one array for all (issue 20). */
export const NO_OBSERVATIONS: readonly Buffer[] = Object.freeze([]);

/**
 * One affordance table per distinct set of links, counted by its users: the devices of a fleet
 * register the same links, and a table per device was ~0.5 KiB of the gateway's heap each
 * (issue 20, heap snapshots at 1,000 and 10,000 devices).
 */
class AffordanceTables {
  private readonly tables = new Map<string, { table: ReadonlyMap<string, Affordance>; users: number }>();

  acquire(table: ReadonlyMap<string, Affordance>): ReadonlyMap<string, Affordance> {
    const key = JSON.stringify([...table.values()]);
    const shared = this.tables.get(key);
    if (shared) {
      shared.users++;
      return shared.table;
    }
    this.tables.set(key, { table, users: 1 });
    return table;
  }

  release(table: ReadonlyMap<string, Affordance>): void {
    const key = JSON.stringify([...table.values()]);
    const shared = this.tables.get(key);
    if (shared && --shared.users === 0) this.tables.delete(key);
  }

  get size(): number {
    return this.tables.size;
  }

  clear(): void {
    this.tables.clear();
  }
}

export class RegistrationTable {
  private readonly byEp = new Map<string, Registration>();
  private readonly byId = new Map<string, Registration>();
  private readonly tables = new AffordanceTables();
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
    if (old) {
      this.byId.delete(old.id);
      this.tables.release(old.affordances);
    }
    r.affordances = this.tables.acquire(r.affordances);
    // Only what a registration needs of the sender (a socket's rinfo also carries family and size).
    r.remote = { address: r.remote.address, port: r.remote.port };
    this.byEp.set(r.ep, r);
    this.byId.set(r.id, r);
  }

  delete(r: Registration): void {
    const stored = this.byEp.get(r.ep);
    if (stored) this.tables.release(stored.affordances);
    this.byEp.delete(r.ep);
    this.byId.delete(r.id);
  }

  /** Distinct affordance tables in use (for tests: devices with the same links share one). */
  get affordanceTables(): number {
    return this.tables.size;
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
    this.tables.clear();
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
