/**
 * LwM2M registrations of the binding's resource directory (TS Core §6.2): the endpoint name (any
 * string, a URN such as `urn:imei:...`), its location `/rd/lw-<n>`, version, Queue Mode, lifetime,
 * source address, announced objects and the paths the gateway observes. Kept in the binding's
 * durable store under `lwm2m:reg:<ep>` (the Roost RD skips keys with a ':'), so a device stays
 * known across a restart, with its location and its lifetime still counting.
 */
import type { BindingStore } from '../../../gateway/binding.js';
import type { AnnouncedObject, Lwm2mVersion } from '../../../protocols/lwm2m/index.js';
import type { Remote } from '../coap-endpoint.js';

/** Location ids of LwM2M registrations; the Roost RD's ids are base-36 numbers, never with a '-'. */
export const LOCATION_PREFIX = 'lw-';
const KEY_PREFIX = 'lwm2m:reg:';
/** Where the next location number is kept. */
export const LWM2M_NEXT_KEY = 'lwm2m:next';

export interface Lwm2mRegistration {
  ep: string;
  /** Location id: the registration resource is /rd/<id>. */
  id: string;
  thingId: string;
  remote: Remote;
  version: Lwm2mVersion;
  binding: string;
  queueMode: boolean;
  lifetimeS: number;
  expiresAt: number;
  rootPath: string;
  contentFormats: number[];
  objects: AnnouncedObject[];
  /** Paths the gateway keeps observed (re-established after every Register and after a restart). */
  observed: string[];
  /** In memory: tokens of the live observations, by path. */
  tokens: Map<string, Buffer>;
}

type Stored = Omit<Lwm2mRegistration, 'tokens' | 'remote'> & { address: string; port: number };

export class Lwm2mRegistrations {
  private readonly byEp = new Map<string, Lwm2mRegistration>();
  private readonly byId = new Map<string, Lwm2mRegistration>();
  private nextId = 1;

  get size(): number {
    return this.byEp.size;
  }

  newId(): string {
    return `${LOCATION_PREFIX}${this.nextId++}`;
  }

  /** The number the next new location gets (kept in the store: a location is never handed out twice). */
  get next(): number {
    return this.nextId;
  }

  seed(n: number): void {
    if (Number.isSafeInteger(n) && n > this.nextId) this.nextId = n;
  }

  ep(ep: string): Lwm2mRegistration | undefined {
    return this.byEp.get(ep);
  }

  id(id: string): Lwm2mRegistration | undefined {
    return this.byId.get(id);
  }

  /** The registration whose device sent from `from` (TS Core §6.4.4: Send carries no endpoint name). */
  at(from: Remote): Lwm2mRegistration | undefined {
    for (const r of this.byEp.values()) if (r.remote.address === from.address && r.remote.port === from.port) return r;
    return undefined;
  }

  put(r: Lwm2mRegistration): void {
    const n = Number(r.id.slice(LOCATION_PREFIX.length));
    if (Number.isSafeInteger(n) && n >= this.nextId) this.nextId = n + 1;
    const old = this.byEp.get(r.ep);
    if (old) this.byId.delete(old.id);
    this.byEp.set(r.ep, r);
    this.byId.set(r.id, r);
  }

  delete(r: Lwm2mRegistration): void {
    if (this.byEp.get(r.ep) === r) this.byEp.delete(r.ep);
    if (this.byId.get(r.id) === r) this.byId.delete(r.id);
  }

  expired(now: number): Lwm2mRegistration[] {
    return [...this.byEp.values()].filter((r) => r.expiresAt <= now);
  }

  all(): IterableIterator<Lwm2mRegistration> {
    return this.byEp.values();
  }

  clear(): void {
    this.byEp.clear();
    this.byId.clear();
  }
}

export function saveLwm2m(store: BindingStore, r: Lwm2mRegistration): void {
  const { tokens: _t, remote, ...rest } = r;
  const rec: Stored = { ...rest, address: remote.address, port: remote.port };
  store.put(KEY_PREFIX + r.ep, rec);
}

export function forgetLwm2m(store: BindingStore, r: Lwm2mRegistration): void {
  store.delete(KEY_PREFIX + r.ep);
}

function isStored(v: unknown): v is Stored {
  const r = v as Partial<Stored> | null;
  return !!r && typeof r.ep === 'string' && typeof r.id === 'string' && r.id.startsWith(LOCATION_PREFIX) && typeof r.thingId === 'string'
    && typeof r.address === 'string' && typeof r.port === 'number' && typeof r.expiresAt === 'number' && Array.isArray(r.objects);
}

/** Every stored LwM2M registration; keys whose records do not parse are returned so the caller can drop them. */
export function loadLwm2m(store: BindingStore): { regs: Lwm2mRegistration[]; broken: string[] } {
  const regs: Lwm2mRegistration[] = [];
  const broken: string[] = [];
  for (const [key, v] of store.load()) {
    if (!key.startsWith(KEY_PREFIX)) continue;
    if (!isStored(v)) {
      broken.push(key);
      continue;
    }
    const { address, port, ...rest } = v;
    regs.push({ ...rest, observed: Array.isArray(v.observed) ? v.observed : [], remote: { address, port }, tokens: new Map() });
  }
  return { regs, broken };
}
