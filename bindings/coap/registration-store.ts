/**
 * Registrations in the binding's durable store (BindingContext.store), so a device stays known
 * across a gateway restart, kill -9 or power loss: written in the group commit that its 2.01 / 2.04
 * waits for, restored at start with their absolute expiry (the lifetime keeps counting while the
 * gateway is down).
 */
import type { BindingStore } from '../../gateway/binding.js';
import type { Affordance } from './native-td.js';
import { NO_OBSERVATIONS, type Registration } from './resource-directory.js';

/** What one registration keeps on disk, under its endpoint name. */
interface StoredRegistration {
  id: string;
  thingId: string;
  address: string;
  port: number;
  sleepy: boolean;
  push: boolean;
  lifetimeS: number;
  expiresAt: number;
  affordances: Affordance[];
}

export function saveRegistration(store: BindingStore, reg: Registration): void {
  const rec: StoredRegistration = {
    id: reg.id, thingId: reg.thingId, address: reg.remote.address, port: reg.remote.port, sleepy: reg.sleepy, push: reg.push,
    lifetimeS: reg.lifetimeS, expiresAt: reg.expiresAt, affordances: [...reg.affordances.values()],
  };
  store.put(reg.ep, rec);
  reg.savedExpiresAt = reg.expiresAt;
}

/**
 * A lifetime refresh (any uplink) is written only once it moved the expiry by a tenth of the
 * lifetime: the hot path does not rewrite the record per reading, and after a restart a device is
 * at worst expired that much early (it then gets 4.04 and registers again).
 */
export function refreshLifetime(store: BindingStore, reg: Registration, now: number): void {
  reg.expiresAt = now + reg.lifetimeS * 1000;
  if (reg.expiresAt - reg.savedExpiresAt >= reg.lifetimeS * 100) saveRegistration(store, reg);
}

/** Where the next location id's number is kept: a location once handed out is never handed out again. */
export const NEXT_ID_KEY = 'rd:next';

export function forgetRegistration(store: BindingStore, reg: Registration): void {
  store.delete(reg.ep);
}

function isStored(v: unknown): v is StoredRegistration {
  const r = v as Partial<StoredRegistration> | null;
  return !!r && typeof r.id === 'string' && typeof r.thingId === 'string' && typeof r.address === 'string' && typeof r.port === 'number'
    && typeof r.lifetimeS === 'number' && typeof r.expiresAt === 'number' && Array.isArray(r.affordances);
}

/** Every stored registration; records that do not parse are returned by key so the caller can drop them. */
export function loadRegistrations(store: BindingStore): { regs: Registration[]; broken: string[] } {
  const regs: Registration[] = [];
  const broken: string[] = [];
  for (const [ep, v] of store.load()) {
    // Other records of the binding (sequence numbers) have a ':' in their key; endpoint names cannot.
    if (ep.includes(':')) continue;
    if (!isStored(v)) {
      broken.push(ep);
      continue;
    }
    regs.push({
      ep, id: v.id, thingId: v.thingId, remote: { address: v.address, port: v.port }, sleepy: v.sleepy !== false, push: v.push === true,
      lifetimeS: v.lifetimeS, expiresAt: v.expiresAt, savedExpiresAt: v.expiresAt,
      affordances: new Map(v.affordances.map((a) => [a.name, a])), observations: NO_OBSERVATIONS,
    });
  }
  return { regs, broken };
}
