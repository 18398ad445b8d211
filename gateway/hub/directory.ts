/**
 * The directory: every thing's native TD (from its binding, or PUT by a client) and the consumer
 * TD derived from it, persisted in the store. Every TD, native and consumer, is validated against
 * the W3C TD 1.1 schema before it is accepted.
 *
 * Memory (issue 20): a binding's thing keeps only its native TD in memory; its consumer TD is
 * derived again when asked (an enumerable accessor on the record, so spreads and JSON see it).
 * Kept, it was about half of the directory's 8.5 KiB per device at 10,000 devices.
 */
import { randomUUID } from 'node:crypto';
import type { ThingDescription, ThingRegistration } from '../binding.js';
import { BadRequestError, MethodNotAllowedError, ThingNotFoundError } from '../../protocols/errors.js';
import type { StoredThing, ThingStore } from '../store/thing-store.js';
import { deriveConsumerTd, type HubEndpoints } from '../td/consumer-td.js';
import { assertValidTd } from '../td/td-validator.js';
import type { ThingRecord } from './types.js';

/** Binding name of TDs registered by clients through the directory API. */
export const DIRECTORY_BINDING = 'directory';

export function thingIdFor(binding: string, deviceId: string): string {
  return `urn:roost:${binding}:${deviceId}`;
}

export type DirectoryChange = 'added' | 'updated' | 'removed';

type Fields = Omit<StoredThing, 'consumerTd'>;

/**
 * A plain record with the fields in the order the store and the APIs always had (a spread of a
 * stored thing), built by assignment: object spreads at a call site that sees many shapes give
 * every object a map of its own (about 300 bytes each, measured in the gateway's heap snapshots).
 */
function build<T extends StoredThing>(t: Fields, consumerTd: PropertyDescriptor, online?: boolean): T {
  const r = {} as T;
  r.id = t.id;
  r.binding = t.binding;
  r.deviceId = t.deviceId;
  r.nativeTd = t.nativeTd;
  Object.defineProperty(r, 'consumerTd', consumerTd);
  r.sleepy = t.sleepy;
  r.createdAt = t.createdAt;
  r.updatedAt = t.updatedAt;
  r.removedAt = t.removedAt;
  if (online !== undefined) (r as unknown as ThingRecord).online = online;
  return r;
}

function dataProperty(value: ThingDescription): PropertyDescriptor {
  return { value, enumerable: true, writable: true, configurable: true };
}

export class Directory {
  private readonly things = new Map<string, StoredThing>();
  private readonly online = new Map<string, boolean>();
  private sorted: string[] | null = null;
  private endpoints: HubEndpoints;
  /** The accessor every binding's record shares: one function for the directory, none per thing. */
  private readonly derived: PropertyDescriptor;
  /** The last consumer TD derived: a thing just registered is asked for it several times in a row. */
  private last: { nativeTd: ThingDescription; endpoints: HubEndpoints; td: ThingDescription } | null = null;

  constructor(
    private readonly store: ThingStore,
    endpoints: HubEndpoints,
    private readonly now: () => number,
    private readonly onChange: (thingId: string, change: DirectoryChange) => void,
  ) {
    this.endpoints = endpoints;
    const derive = (t: StoredThing): ThingDescription => this.consumerTdOf(t);
    this.derived = { get(this: StoredThing) { return derive(this); }, enumerable: true, configurable: true };
    // Records as stored (their consumer TD as last written) until setEndpoints says where the hub is.
    for (const t of store.all()) this.things.set(t.id, t);
  }

  private consumerTdOf(t: StoredThing): ThingDescription {
    const last = this.last;
    if (last && last.nativeTd === t.nativeTd && last.endpoints === this.endpoints) return last.td;
    const td = deriveConsumerTd(t.nativeTd, t.id, this.endpoints);
    this.last = { nativeTd: t.nativeTd, endpoints: this.endpoints, td };
    return td;
  }

  /** The hub's endpoints changed (known after listen): every consumer TD is derived again (and stored when it changed). */
  setEndpoints(e: HubEndpoints): void {
    // As stored, or derived with the endpoints until now.
    const before = new Map<string, string>();
    for (const t of this.things.values()) if (t.binding !== DIRECTORY_BINDING) before.set(t.id, JSON.stringify(t.consumerTd));
    this.endpoints = e;
    for (const [id, json] of before) {
      const lazy = build<StoredThing>(this.things.get(id)!, this.derived);
      this.things.set(id, lazy);
      if (JSON.stringify(lazy.consumerTd) !== json) this.store.upsert(lazy);
    }
  }

  getEndpoints(): HubEndpoints {
    return this.endpoints;
  }

  /** A binding registers or replaces a device. Throws TdInvalidError. */
  register(binding: string, reg: ThingRegistration): StoredThing {
    const id = thingIdFor(binding, reg.deviceId);
    // Object.assign, not a spread: see build().
    const nativeTd = Object.assign({}, reg.nativeTd, { id });
    assertValidTd(nativeTd, `native TD of ${id}`);
    const consumerTd = deriveConsumerTd(nativeTd, id, this.endpoints);
    assertValidTd(consumerTd, `consumer TD of ${id}`);
    this.last = { nativeTd, endpoints: this.endpoints, td: consumerTd };
    return this.save({ id, binding, deviceId: reg.deviceId, nativeTd, sleepy: reg.sleepy }, this.derived);
  }

  /** Directory API PUT /things/{id}: a client's TD, served as given. */
  put(id: string, td: ThingDescription): { created: boolean; thing: StoredThing } {
    if (td['id'] !== undefined && td['id'] !== id) throw new BadRequestError(`TD id ${String(td['id'])} differs from ${id}`);
    const existing = this.things.get(id);
    if (existing && existing.binding !== DIRECTORY_BINDING) {
      throw new MethodNotAllowedError(`${id} belongs to the ${existing.binding} binding; its TD comes from the device`);
    }
    const full = { ...td, id };
    assertValidTd(full);
    return { created: !existing, thing: this.save({ id, binding: DIRECTORY_BINDING, deviceId: id, nativeTd: full, sleepy: false }, dataProperty(full)) };
  }

  /** Directory API POST /things: an anonymous TD gets a urn:uuid id. */
  create(td: ThingDescription): StoredThing {
    if (td['id'] !== undefined) throw new BadRequestError('POST /things takes an anonymous TD; use PUT /things/{id} for one with an id');
    return this.put(`urn:uuid:${randomUUID()}`, td).thing;
  }

  /** RFC 7396 JSON merge patch of a client-registered TD. */
  patch(id: string, patch: Record<string, unknown>): StoredThing {
    const t = this.require(id);
    if (t.binding !== DIRECTORY_BINDING) throw new MethodNotAllowedError(`${id} belongs to the ${t.binding} binding`);
    const merged = mergePatch(t.nativeTd, patch) as ThingDescription;
    if (merged['id'] !== id) throw new BadRequestError('a patch cannot change the TD id');
    assertValidTd(merged);
    return this.save({ ...t, nativeTd: merged }, dataProperty(merged));
  }

  /** Directory API DELETE: client TDs are deleted; a binding's thing is tombstoned. */
  delete(id: string): StoredThing {
    const t = this.require(id);
    if (t.binding === DIRECTORY_BINDING) {
      this.store.delete(id);
      this.forget(id);
    } else {
      this.tombstone(id);
    }
    return t;
  }

  /** The binding says the device left: the thing is tombstoned, its history kept. */
  tombstone(id: string): void {
    const t = this.require(id);
    this.store.markRemoved(id, this.now());
    this.forget(t.id);
  }

  private forget(id: string): void {
    this.things.delete(id);
    this.online.delete(id);
    this.sorted = null;
    this.onChange(id, 'removed');
  }

  private save(t: Omit<Fields, 'createdAt' | 'updatedAt' | 'removedAt'>, consumerTd: PropertyDescriptor): StoredThing {
    const now = this.now();
    const existing = this.things.get(t.id);
    const rec = build<StoredThing>({ id: t.id, binding: t.binding, deviceId: t.deviceId, nativeTd: t.nativeTd, sleepy: t.sleepy, createdAt: existing?.createdAt ?? now, updatedAt: now, removedAt: null }, consumerTd);
    this.store.upsert(rec);
    this.things.set(rec.id, rec);
    if (!existing) this.sorted = null;
    this.onChange(rec.id, existing ? 'updated' : 'added');
    return rec;
  }

  has(id: string): boolean {
    return this.things.has(id);
  }

  find(id: string): StoredThing | undefined {
    return this.things.get(id);
  }

  require(id: string): StoredThing {
    const t = this.things.get(id);
    if (!t) throw new ThingNotFoundError(`no thing ${id}`, { thingId: id });
    return t;
  }

  record(id: string): ThingRecord {
    const t = this.require(id);
    // The copy keeps the accessor (a spread would derive the consumer TD on every read of a record).
    const own = Object.getOwnPropertyDescriptor(t, 'consumerTd')!;
    return build<ThingRecord>(t, own.get ? this.derived : own, this.isOnline(t));
  }

  isOnline(t: StoredThing): boolean {
    return this.online.get(t.id) ?? t.binding === DIRECTORY_BINDING;
  }

  /** How many things there are, and how many of them are online. */
  census(): { things: number; online: number } {
    let online = 0;
    for (const t of this.things.values()) if (this.isOnline(t)) online++;
    return { things: this.things.size, online };
  }

  /** Returns true when the state changed. */
  setOnline(id: string, online: boolean): boolean {
    if (this.online.get(id) === online) return false;
    this.online.set(id, online);
    return true;
  }

  list(offset: number, limit: number): { items: ThingRecord[]; total: number } {
    this.sorted ??= [...this.things.keys()].sort();
    const ids = this.sorted.slice(offset, offset + limit);
    return { items: ids.map((id) => this.record(id)), total: this.sorted.length };
  }

  byBinding(binding: string): StoredThing[] {
    return [...this.things.values()].filter((t) => t.binding === binding);
  }
}

/** RFC 7396 §2 MergePatch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
