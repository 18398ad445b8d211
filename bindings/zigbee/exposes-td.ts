/**
 * Maps a Zigbee model's exposes (zigbee-herdsman-converters' description of what a device
 * offers) to a native W3C WoT TD 1.1, as Zigbee2MQTT documents them:
 * - published (access bit STATE) -> observable property; settable (SET) -> writable property,
 *   or an action when write-only; readable on demand (GET) -> a property with a live read;
 * - the `action` expose of remotes and buttons -> the event `action`;
 * - specific types (light, switch, fan, cover, lock, climate) are flattened into their
 *   features, each annotated with the parent type as `@type`; generic composites become
 *   object properties; lists become arrays.
 * Pure: plain objects in, plain objects out.
 */
import type { ThingDescription } from '../../gateway/binding.js';

/** The fields of an expose that the mapping reads (converters' lib/exposes.ts classes). */
export interface ExposeLike {
  type: string;
  name?: string;
  label?: string;
  property?: string;
  access?: number;
  endpoint?: string;
  description?: string;
  unit?: string;
  value_min?: number;
  value_max?: number;
  values?: Array<string | number>;
  value_on?: unknown;
  value_off?: unknown;
  value_toggle?: unknown;
  features?: ExposeLike[];
  item_type?: ExposeLike;
  length_min?: number;
  length_max?: number;
}

/** Access bits (converters lib/exposes.ts `access`). */
export const ExposeAccess = { STATE: 1, SET: 2, GET: 4 } as const;

/** Specific expose types whose features are flattened. */
const SPECIFIC_TYPES = new Set(['light', 'switch', 'fan', 'cover', 'lock', 'climate']);
/** Namespace of the semantic annotations (the expose types documented by Zigbee2MQTT). */
export const EXPOSES_NS = 'https://www.zigbee2mqtt.io/guide/usage/exposes.html#';
export const TD_CONTEXT = ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1', { zbx: EXPOSES_NS }];

type Schema = Record<string, unknown>;

/** How the binding serves one affordance of the TD. */
export interface AffordanceRoute {
  /** Expose property the converters know (toZigbee key, with endpoint suffix). */
  property: string;
  /** Write-only single-value enum (identify): the action takes no input and sends this. */
  fixedValue?: string | number;
  /** The device answers live reads (access GET). */
  gettable: boolean;
}

export interface DeviceTdResult {
  td: ThingDescription;
  properties: Record<string, AffordanceRoute>;
  actions: Record<string, AffordanceRoute>;
  /** Exposes skipped (no property name or an unknown type), by reason. */
  skipped: string[];
}

export interface DeviceTdInput {
  /** `0x` + 16 hex digits. */
  ieee: string;
  vendor: string;
  model: string;
  description: string;
  exposes: readonly ExposeLike[];
}

function jsonType(values: readonly unknown[]): string | undefined {
  if (values.length > 0 && values.every((v) => typeof v === 'string')) return 'string';
  if (values.length > 0 && values.every((v) => typeof v === 'number')) return 'number';
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'boolean';
  return undefined;
}

function withEnum(values: readonly unknown[]): Schema {
  const uniq = [...new Set(values.filter((v) => v !== undefined && v !== null))];
  const t = jsonType(uniq);
  if (t === 'boolean') return { type: 'boolean' };
  return { ...(t ? { type: t } : {}), ...(uniq.length > 0 ? { enum: uniq } : {}) };
}

/** JSON-Schema-style data schema of one expose (TD 1.1 §5.3.2). */
export function dataSchema(e: ExposeLike): Schema {
  const s: Schema = {};
  if (e.label) s['title'] = e.label;
  if (e.description) s['description'] = e.description;
  switch (e.type) {
    case 'numeric':
      Object.assign(s, { type: 'number' });
      if (typeof e.value_min === 'number') s['minimum'] = e.value_min;
      if (typeof e.value_max === 'number') s['maximum'] = e.value_max;
      if (e.unit) s['unit'] = e.unit;
      return s;
    case 'binary': {
      const canSet = ((e.access ?? 0) & ExposeAccess.SET) !== 0;
      return { ...s, ...withEnum([e.value_on, e.value_off, ...(canSet && e.value_toggle !== undefined ? [e.value_toggle] : [])]) };
    }
    case 'enum':
      return { ...s, ...withEnum(e.values ?? []) };
    case 'text':
      return { ...s, type: 'string' };
    case 'list': {
      Object.assign(s, { type: 'array' });
      if (e.item_type) s['items'] = dataSchema(e.item_type);
      if (typeof e.length_min === 'number') s['minItems'] = e.length_min;
      if (typeof e.length_max === 'number') s['maxItems'] = e.length_max;
      return s;
    }
    default: {
      // Generic composite (and anything with features): an object of its features.
      const props: Record<string, Schema> = {};
      for (const f of e.features ?? []) {
        const k = f.property ?? f.name;
        if (k) props[k] = dataSchema(f);
      }
      return { ...s, type: 'object', properties: props };
    }
  }
}

/** Flattens specific types into their features, keeping the parent type. */
function flatten(exposes: readonly ExposeLike[]): Array<{ e: ExposeLike; parent?: string }> {
  const out: Array<{ e: ExposeLike; parent?: string }> = [];
  for (const e of exposes) {
    if (SPECIFIC_TYPES.has(e.type)) for (const f of e.features ?? []) out.push({ e: f, parent: e.type });
    else out.push({ e });
  }
  return out;
}

export function deviceTd(input: DeviceTdInput): DeviceTdResult {
  const hex = input.ieee.replace(/^0x/, '');
  const href = (name: string) => `zigbee://${hex}/${encodeURIComponent(name)}`;
  const properties: Record<string, Schema> = {};
  const actions: Record<string, Schema> = {};
  const events: Record<string, Schema> = {};
  const result: DeviceTdResult = { td: { title: '' }, properties: {}, actions: {}, skipped: [] };
  for (const { e, parent } of flatten(input.exposes)) {
    const name = e.property ?? e.name;
    if (!name) {
      result.skipped.push(`${e.type}: no property name`);
      continue;
    }
    const access = e.access ?? ExposeAccess.STATE;
    const schema = dataSchema(e);
    const annotation = parent ? { '@type': `zbx:${parent}` } : {};
    if (name === 'action' && (access & ExposeAccess.SET) === 0) {
      // Remotes and buttons: each press is an event, not a state (Zigbee2MQTT "action").
      events['action'] = { ...annotation, data: schema, forms: [{ href: href(name), op: ['subscribeevent', 'unsubscribeevent'] }] };
      continue;
    }
    if ((access & (ExposeAccess.STATE | ExposeAccess.GET)) === 0) {
      if ((access & ExposeAccess.SET) === 0 || actions[name]) continue;
      const only = Array.isArray(e.values) && e.values.length === 1 ? e.values[0] : undefined;
      const a: Schema = { ...annotation, forms: [{ href: href(name), op: 'invokeaction' }] };
      if (e.description) a['description'] = e.description;
      if (only === undefined) a['input'] = schema;
      actions[name] = a;
      result.actions[name] = { property: name, gettable: false, ...(only !== undefined ? { fixedValue: only } : {}) };
      continue;
    }
    if (properties[name]) continue;
    const writable = (access & ExposeAccess.SET) !== 0;
    const observable = (access & ExposeAccess.STATE) !== 0;
    const ops = ['readproperty', ...(writable ? ['writeproperty'] : []), ...(observable ? ['observeproperty', 'unobserveproperty'] : [])];
    properties[name] = { ...annotation, ...schema, readOnly: !writable, observable, forms: [{ href: href(name), op: ops }] };
    result.properties[name] = { property: name, gettable: (access & ExposeAccess.GET) !== 0 };
  }
  if (!properties['linkquality']) {
    properties['linkquality'] = { type: 'integer', minimum: 0, maximum: 255, unit: 'lqi', readOnly: true, observable: true, description: 'Link quality of the last frame heard', forms: [{ href: href('linkquality'), op: ['readproperty', 'observeproperty', 'unobserveproperty'] }] };
    result.properties['linkquality'] = { property: 'linkquality', gettable: false };
  }
  result.td = {
    '@context': TD_CONTEXT,
    title: `${input.vendor} ${input.model} (${hex})`,
    description: input.description,
    securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
    security: 'nosec_sc',
    properties,
    ...(Object.keys(actions).length > 0 ? { actions } : {}),
    ...(Object.keys(events).length > 0 ? { events } : {}),
  };
  return result;
}

/** The TD of a device that joined and is not identified yet (or failed its interview). */
export function provisionalTd(ieee: string, state: 'interviewing' | 'unidentified'): ThingDescription {
  const hex = ieee.replace(/^0x/, '');
  return {
    '@context': TD_CONTEXT,
    title: `Zigbee device ${hex} (${state})`,
    description: state === 'interviewing' ? 'Joined; the interview that identifies the model is under way.' : 'Joined, but the interview did not identify the model.',
    securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
    security: 'nosec_sc',
    properties: {
      linkquality: { type: 'integer', minimum: 0, maximum: 255, unit: 'lqi', readOnly: true, observable: true, forms: [{ href: `zigbee://${hex}/linkquality`, op: ['readproperty', 'observeproperty', 'unobserveproperty'] }] },
    },
  };
}
