/**
 * The row shape of Roost's built-in object tables (objects-core.ts, objects-ipso.ts): one
 * compact tuple per resource, turned into the ObjectModel every other module reads.
 */
import type { ObjectModel, Operations, ResourceModel, ResourceType } from './lwm2m-model.js';

/** `M` mandatory, `*` multiple instances, both `M*`. */
export type RowFlags = '' | 'M' | '*' | 'M*';

/** [id, name, operations, flags, type, range, units, description] */
export type ResourceRow = readonly [number, string, Operations, RowFlags, ResourceType, string, string, string];

export interface ObjectHead {
  id: number;
  name: string;
  version: string;
  lwm2mVersion: string;
  multiple: boolean;
  mandatory: boolean;
  description: string;
}

/** Builds an ObjectModel from a head and its resource rows; the URN follows TS Core §7.2.2. */
export function defineObject(head: ObjectHead, rows: readonly ResourceRow[]): ObjectModel {
  const kind = head.id < 1024 ? 'oma' : 'ext';
  const urn = `urn:oma:lwm2m:${kind}:${head.id}${head.version === '1.0' ? '' : `:${head.version}`}`;
  const resources: ResourceModel[] = rows.map(([id, name, operations, flags, type, range, units, description]) => ({
    id,
    name,
    operations,
    multiple: flags.includes('*'),
    mandatory: flags.includes('M'),
    type,
    range,
    units,
    description,
  }));
  return { ...head, urn, resources };
}
