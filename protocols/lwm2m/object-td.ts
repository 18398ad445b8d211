/**
 * A W3C WoT TD 1.1 from the objects a LwM2M client announced (docs/protocols/lwm2m.md
 * "Thing Descriptions"): readable resources become properties, writable ones writable,
 * executable ones actions. Affordance names are `<object>_<resource>_<oid>_<iid>_<rid>` in
 * snake case (`temperature_sensor_value_3303_0_5700`); each affordance keeps its LwM2M path
 * in `lwm2m:path` (prefix declared in `@context`) and its data type in `lwm2m:type`.
 */
import { executable, numericRange, readable, writable, type ObjectModel, type ObjectModels, type ResourceModel, type ResourceType } from './lwm2m-model.js';
import type { AnnouncedObject } from './registration.js';

/** The `@context` prefix of Roost's LwM2M terms. */
export const LWM2M_TD_PREFIX = 'urn:roost:lwm2m:';

export interface ObjectTdOptions {
  /** Endpoint client name (`ep`): the TD title. */
  endpoint: string;
  /** Objects and instances from the registration (parseRegister). */
  objects: readonly AnnouncedObject[];
  models: ObjectModels;
  /** Where the device is reached, e.g. `coap://192.0.2.7:5683` (forms are absolute). */
  base: string;
  /** Alternate LwM2M root path of the client ('' for `/`). */
  rootPath?: string;
  id?: string;
  /** Content type of property forms (default SenML CBOR). */
  contentType?: string;
}

export type ObjectThingDescription = Record<string, unknown>;

const NUMERIC: ReadonlySet<ResourceType> = new Set(['Integer', 'Unsigned Integer', 'Float', 'Time']);

function slug(s: string, max = 40): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, max)
    .replace(/_+$/, '');
}

/** The affordance name of `/oid/iid/rid` (stable: built only from the model's names and ids). */
export function affordanceName(model: ObjectModel, iid: number, r: ResourceModel): string {
  const parts = [slug(model.name), slug(r.name), String(model.id), String(iid), String(r.id)].filter((p) => p !== '');
  return parts.join('_');
}

/** The JSON Schema of one value of the resource type (TS Core Appendix C). */
export function valueSchema(r: ResourceModel): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  switch (r.type) {
    case 'Integer':
    case 'Time':
      s['type'] = 'integer';
      break;
    case 'Unsigned Integer':
      s['type'] = 'integer';
      s['minimum'] = 0;
      break;
    case 'Float':
      s['type'] = 'number';
      break;
    case 'Boolean':
      s['type'] = 'boolean';
      break;
    case 'String':
    case 'Corelnk':
      s['type'] = 'string';
      break;
    case 'Opaque':
      s['type'] = 'string';
      s['contentEncoding'] = 'base64';
      break;
    case 'Objlnk':
      s['type'] = 'string';
      s['pattern'] = '^[0-9]{1,5}:[0-9]{1,5}$';
      break;
    case 'none':
      break;
  }
  const range = NUMERIC.has(r.type) ? numericRange(r.range) : undefined;
  if (range) {
    s['minimum'] = Math.max(range.min, (s['minimum'] as number | undefined) ?? -Infinity);
    s['maximum'] = range.max;
  }
  if (r.type === 'Time') s['unit'] = 's';
  else if (r.units) s['unit'] = r.units;
  return s;
}

function property(r: ResourceModel, href: string, path: string, contentType: string): Record<string, unknown> {
  const one = valueSchema(r);
  const schema = r.multiple ? { type: 'array', items: one } : one;
  const readOnly = !writable(r);
  const writeOnly = !readable(r);
  const forms: Record<string, unknown>[] = [{ href, contentType, op: writeOnly ? ['writeproperty'] : readOnly ? ['readproperty'] : ['readproperty', 'writeproperty'] }];
  // TS Core §6.4.2: every readable resource can be observed.
  if (!writeOnly) forms.push({ href, contentType, op: ['observeproperty', 'unobserveproperty'], subprotocol: 'cov:observe' });
  return {
    title: r.name,
    ...(r.description ? { description: r.description } : {}),
    ...schema,
    readOnly,
    writeOnly,
    observable: !writeOnly,
    'lwm2m:path': path,
    'lwm2m:type': r.type,
    forms,
  };
}

/** Builds the TD of a registered client. Objects the models do not know are left out. */
export function objectTd(opts: ObjectTdOptions): ObjectThingDescription {
  const contentType = opts.contentType ?? 'application/senml+cbor';
  const root = opts.rootPath ?? '';
  const properties: Record<string, unknown> = {};
  const actions: Record<string, unknown> = {};
  for (const announced of opts.objects) {
    const model = opts.models.get(announced.objectId);
    if (!model) continue;
    for (const iid of announced.instances) {
      for (const r of model.resources) {
        const path = `/${model.id}/${iid}/${r.id}`;
        const href = `${opts.base}${root}${path}`;
        const name = affordanceName(model, iid, r);
        if (executable(r)) {
          actions[name] = {
            title: r.name,
            ...(r.description ? { description: r.description } : {}),
            'lwm2m:path': path,
            forms: [{ href, op: ['invokeaction'], 'cov:method': 'POST' }],
          };
        } else if (readable(r) || writable(r)) {
          properties[name] = property(r, href, path, contentType);
        }
      }
    }
  }
  return {
    '@context': ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1', { cov: 'http://www.example.org/coap-binding#', lwm2m: LWM2M_TD_PREFIX }],
    ...(opts.id ? { id: opts.id } : {}),
    title: opts.endpoint,
    securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
    security: 'nosec_sc',
    properties,
    actions,
    events: {},
  };
}
