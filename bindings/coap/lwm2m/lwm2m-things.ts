/**
 * An LwM2M device as one thing (docs/protocols/lwm2m.md "Objects as things"): the TD built from
 * its announced object instances (protocols/lwm2m objectTd), plus the LwM2M operations that have
 * no affordance of their own as actions (`lwm2m_read`, `lwm2m_discover`, ...), `firmware_update`
 * and its `firmware_update_progress`; and the conversions between JSON values of the TD and
 * LwM2M resource values.
 */
import type { ThingDescription } from '../../../gateway/binding.js';
import { ValueInvalidError } from '../../../protocols/errors.js';
import {
  formatObjlnk, isObjlnk, objectTd, parseObjlnk, parsePath, resourceModelAt,
  type Lwm2mValue, type ObjectModels, type ResourceValue,
} from '../../../protocols/lwm2m/index.js';
import type { Lwm2mRegistration } from './lwm2m-registrations.js';

/** Where an affordance of the TD lives on the device. */
export interface Target {
  path: number[];
  kind: 'property' | 'action';
}

export interface Lwm2mThing {
  td: ThingDescription;
  /** Affordance name -> LwM2M path (resource affordances only). */
  targets: Map<string, Target>;
  /** `/o/i/r` -> property name, for notifications, Send and reads. */
  names: Map<string, string>;
}

export const PROGRESS_PROPERTY = 'firmware_update_progress';
export const FIRMWARE_ACTION = 'firmware_update';

const PATH = { type: 'string', pattern: '^(/[0-9]{1,5}){0,4}/?$' };
const FORMAT = { type: 'integer', enum: [0, 42, 60, 110, 112, 11542, 11544] };

/** The operations of TS Core §6.3 / §6.4 that name paths at run time, as actions of every LwM2M thing. */
export const OPERATION_ACTIONS: Readonly<Record<string, { title: string; input: Record<string, unknown> }>> = {
  lwm2m_read: { title: 'Read (TS Core §6.3.1)', input: { type: 'object', properties: { path: PATH, format: FORMAT }, required: ['path'] } },
  lwm2m_discover: { title: 'Discover (§6.3.4)', input: { type: 'object', properties: { path: PATH }, required: ['path'] } },
  lwm2m_write: {
    title: 'Write, replace or partial update (§6.3.3)',
    input: { type: 'object', properties: { path: PATH, values: { type: 'object' }, partial: { type: 'boolean' }, format: FORMAT }, required: ['path', 'values'] },
  },
  lwm2m_write_attributes: {
    title: 'Write-Attributes (§6.3.5)',
    input: { type: 'object', properties: { path: PATH, attributes: { type: 'object', additionalProperties: { type: ['number', 'null'] } } }, required: ['path', 'attributes'] },
  },
  lwm2m_execute: { title: 'Execute with arguments (§6.3.6)', input: { type: 'object', properties: { path: PATH, arguments: { type: 'string' } }, required: ['path'] } },
  lwm2m_observe: { title: 'Observe (§6.4.1)', input: { type: 'object', properties: { path: PATH }, required: ['path'] } },
  lwm2m_cancel_observation: { title: 'Cancel Observation (§6.4.2)', input: { type: 'object', properties: { path: PATH }, required: ['path'] } },
  lwm2m_read_composite: {
    title: 'Read-Composite (§6.3.8, 1.1)',
    input: { type: 'object', properties: { paths: { type: 'array', items: PATH, minItems: 1, maxItems: 64 }, format: { type: 'integer', enum: [110, 112] } }, required: ['paths'] },
  },
  [FIRMWARE_ACTION]: {
    title: 'Firmware update through object 5',
    input: {
      type: 'object',
      properties: { package: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' }, method: { type: 'string', enum: ['push', 'pull'] }, version: { type: 'string' } },
      required: ['package'],
    },
  },
};

export function buildThing(reg: Lwm2mRegistration, models: ObjectModels, base: string): Lwm2mThing {
  const td = objectTd({ endpoint: reg.ep, objects: reg.objects, models, base, rootPath: reg.rootPath }) as ThingDescription;
  const targets = new Map<string, Target>();
  const names = new Map<string, string>();
  const props = td['properties'] as Record<string, Record<string, unknown>>;
  const actions = td['actions'] as Record<string, Record<string, unknown>>;
  for (const [name, p] of Object.entries(props)) {
    const path = String(p['lwm2m:path']);
    targets.set(name, { path: parsePath(path), kind: 'property' });
    names.set(path, name);
  }
  for (const [name, a] of Object.entries(actions)) targets.set(name, { path: parsePath(String(a['lwm2m:path'])), kind: 'action' });
  for (const [name, op] of Object.entries(OPERATION_ACTIONS)) {
    if (name === FIRMWARE_ACTION && !reg.objects.some((o) => o.objectId === 5)) continue;
    actions[name] = { title: op.title, input: op.input, forms: [{ href: `${base}${reg.rootPath}/`, op: ['invokeaction'] }] };
  }
  if (actions[FIRMWARE_ACTION]) {
    props[PROGRESS_PROPERTY] = {
      title: 'Firmware update progress', type: 'object', readOnly: true, observable: true,
      forms: [{ href: `${base}${reg.rootPath}/5/0`, op: ['readproperty'] }],
    };
  }
  return { td, targets, names };
}

/** A consumer's JSON value as LwM2M values at `path` (a multiple resource's array as its instances). */
export function toLwm2m(path: readonly number[], json: unknown, models: ObjectModels): ResourceValue[] {
  const r = path.length >= 3 ? resourceModelAt(models, path[0]!, path[2]!) : undefined;
  const p = `/${path.join('/')}`;
  if (r?.multiple && path.length === 3) {
    if (!Array.isArray(json)) throw new ValueInvalidError(`${p} is a multiple resource: give an array`);
    return json.map((v, i) => ({ path: `${p}/${i}`, value: one(v, r.type, p) }));
  }
  return [{ path: p, value: one(json, r?.type, p) }];
}

function one(v: unknown, type: string | undefined, path: string): Lwm2mValue {
  if (type === 'Opaque' && typeof v === 'string') return new Uint8Array(Buffer.from(v, 'base64'));
  if (type === 'Objlnk' && typeof v === 'string') {
    const l = parseObjlnk(v);
    if (l) return l;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new ValueInvalidError(`${path}: ${JSON.stringify(v)} is not an LwM2M value`);
}

/** An LwM2M value as JSON for the twin: bytes as base64, links as `oid:iid`. */
export function toJson(v: Lwm2mValue): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (isObjlnk(v)) return formatObjlnk(v);
  if (typeof v === 'bigint') return Number(v);
  return v;
}

/**
 * Decoded values as twin properties: single resources by name, resource instances gathered into
 * the multiple resource's array. Values of resources the TD does not name are left out. The time
 * of a value (SenML `t`, epoch seconds) wins over `now`.
 */
export function toProperties(values: readonly ResourceValue[], names: ReadonlyMap<string, string>, nowMs: number): Map<number, Record<string, unknown>> {
  const byTs = new Map<number, Record<string, unknown>>();
  const arrays = new Map<string, { ts: number; items: [number, unknown][] }>();
  for (const v of values) {
    const parts = v.path.split('/');
    const resource = parts.slice(0, 4).join('/');
    const name = names.get(resource);
    if (name === undefined) continue;
    const ts = v.time !== undefined ? Math.round(v.time * 1000) : nowMs;
    if (parts.length === 5) {
      const a = arrays.get(name) ?? { ts, items: [] };
      a.items.push([Number(parts[4]), toJson(v.value)]);
      arrays.set(name, a);
      continue;
    }
    const rec = byTs.get(ts) ?? {};
    rec[name] = toJson(v.value);
    byTs.set(ts, rec);
  }
  for (const [name, a] of arrays) {
    const rec = byTs.get(a.ts) ?? {};
    rec[name] = a.items.sort((x, y) => x[0] - y[0]).map(([, v]) => v);
    byTs.set(a.ts, rec);
  }
  return byTs;
}
