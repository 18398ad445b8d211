/**
 * The LwM2M object model (OMA LwM2M TS Core §7.1, object schema LWM2M.xsd): an object with
 * its resources, each with operations, multiplicity, data type, range and units. Roost's own
 * table (objects-core.ts, objects-ipso.ts) and the XML loader (object-xml.ts) both produce it.
 */

/** Data types of TS Core Appendix C; `none` is the type of an executable resource. */
export const RESOURCE_TYPES = ['String', 'Integer', 'Unsigned Integer', 'Float', 'Boolean', 'Opaque', 'Time', 'Objlnk', 'Corelnk', 'none'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Operations of a resource as the object schema spells them; '' means none (e.g. Security). */
export const OPERATIONS = ['R', 'W', 'RW', 'E', ''] as const;
export type Operations = (typeof OPERATIONS)[number];

export interface ResourceModel {
  readonly id: number;
  readonly name: string;
  readonly operations: Operations;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly type: ResourceType;
  /** RangeEnumeration as written (`0..100`, `1..64 bytes`, ...); '' when none. */
  readonly range: string;
  /** Units as written (UCUM-like codes of the registry: `Cel`, `/100`, `s`); '' when none. */
  readonly units: string;
  readonly description: string;
}

export interface ObjectModel {
  readonly id: number;
  readonly name: string;
  /** Object version (`1.0` when the definition names none, TS Core §7.2.2). */
  readonly version: string;
  /** LwM2M enabler version the definition targets. */
  readonly lwm2mVersion: string;
  readonly urn: string;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly description: string;
  readonly resources: readonly ResourceModel[];
}

/** The models a codec or TD builder may consult, by object id. */
export type ObjectModels = ReadonlyMap<number, ObjectModel>;

/** The largest object, instance or resource id (TS Core §7.2: 16 bits; 65535 is reserved). */
export const MAX_ID = 65534;

const byId = new WeakMap<ObjectModel, ReadonlyMap<number, ResourceModel>>();

/** A resource of an object model by id (indexed once per model). */
export function findResource(model: ObjectModel | undefined, resourceId: number): ResourceModel | undefined {
  if (!model) return undefined;
  let index = byId.get(model);
  if (!index) {
    index = new Map(model.resources.map((r) => [r.id, r]));
    byId.set(model, index);
  }
  return index.get(resourceId);
}

/** The resource model at `/o/i/r`, if the object is known. */
export function resourceModelAt(models: ObjectModels, objectId: number, resourceId: number): ResourceModel | undefined {
  return findResource(models.get(objectId), resourceId);
}

export function readable(r: ResourceModel): boolean {
  return r.operations === 'R' || r.operations === 'RW';
}

export function writable(r: ResourceModel): boolean {
  return r.operations === 'W' || r.operations === 'RW';
}

export function executable(r: ResourceModel): boolean {
  return r.operations === 'E';
}

const NUMERIC_RANGE = /^\s*(-?\d+(?:\.\d+)?)\s*\.{2,3}\s*(-?\d+(?:\.\d+)?)\s*$/;

/**
 * The numeric bounds of a RangeEnumeration `min..max` (the registry also writes `min...max`);
 * undefined for enumerations, byte lengths, text, or a range whose bounds are reversed.
 */
export function numericRange(range: string): { min: number; max: number } | undefined {
  const m = NUMERIC_RANGE.exec(range);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) return undefined;
  return { min, max };
}

/** Models keyed by id; later lists override earlier ones (operator files over the built-in table). */
export function modelsOf(...lists: ReadonlyArray<readonly ObjectModel[]>): Map<number, ObjectModel> {
  const out = new Map<number, ObjectModel>();
  for (const list of lists) for (const m of list) out.set(m.id, m);
  return out;
}
