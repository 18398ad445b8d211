/**
 * Home Assistant MQTT discovery (docs/mqtt.md "Home Assistant"), pure: a thing's consumer TD to
 * the retained config messages `{prefix}/{component}/{node_id}/{object_id}/config` that make its
 * affordances Home Assistant entities. The state and command topics are the gateway's own
 * (`things/{id}/property/{name}`, `.../set`, `.../action/{name}`), so a command from Home
 * Assistant is an ordinary request and goes through the thing's action queue.
 *
 * Which affordance becomes which component is the table COMPONENTS, read top to bottom; a sensor's
 * device_class, unit and state_class come from the tables UNITS and SEMANTIC_TYPES.
 */
import { createHash } from 'node:crypto';
import { actionTopic, propertySetTopic, propertyTopic } from './topics.js';
import { availabilityTopic } from './availability-publisher.js';

export const HA_DISCOVERY_PREFIX = 'homeassistant';

export type HaComponent = 'sensor' | 'binary_sensor' | 'switch' | 'number' | 'select' | 'button';

export interface HaThing {
  id: string;
  binding: string;
  consumerTd: Record<string, unknown> & { title?: unknown };
}

export interface HaOptions {
  /** Discovery prefix, `homeassistant` unless Home Assistant is configured otherwise. */
  prefix: string;
  /** A local topic as Home Assistant sees it: itself on the local broker, under `{prefix}/{gw}` upstream. */
  topic(localTopic: string): string;
  /** The gateway's own availability topic as Home Assistant sees it. */
  gatewayAvailabilityTopic: string;
  /** Identifier of the gateway's device (every other device is `via_device` it). */
  gatewayDeviceId: string;
  /** Before node ids and device ids: empty locally, `{haId(gatewayId)}_` upstream, where gateways share a broker. */
  idPrefix: string;
  /** Roost's version, in `origin`. */
  swVersion?: string;
}

export interface HaMessage {
  topic: string;
  component: HaComponent;
  /** The topic's object id level (`property_temp`): the topic is discoveryTopic(prefix, component, nodeId, objectId). */
  objectId: string;
  config: Record<string, unknown>;
}

/** A config message's retained payload. */
export function haConfigPayload(m: HaMessage): Buffer {
  return Buffer.from(JSON.stringify(m.config));
}

/** The system binding's thing is the gateway itself. */
export const GATEWAY_THING_ID = 'urn:roost:system:gateway';

type Schema = Record<string, unknown>;

interface Affordance {
  kind: 'property' | 'action';
  name: string;
  schema: Schema;
  thingId: string;
}

interface UnitInfo {
  unit: string;
  deviceClass?: string;
  stateClass?: 'measurement' | 'total_increasing';
}

/** TD units (UCUM codes and the plain symbols bindings write) to Home Assistant's unit and device class. */
const UNITS: Readonly<Record<string, UnitInfo>> = {
  Cel: { unit: '°C', deviceClass: 'temperature' },
  '°C': { unit: '°C', deviceClass: 'temperature' },
  degC: { unit: '°C', deviceClass: 'temperature' },
  '[degF]': { unit: '°F', deviceClass: 'temperature' },
  '°F': { unit: '°F', deviceClass: 'temperature' },
  K: { unit: 'K', deviceClass: 'temperature' },
  hPa: { unit: 'hPa', deviceClass: 'pressure' },
  Pa: { unit: 'Pa', deviceClass: 'pressure' },
  kPa: { unit: 'kPa', deviceClass: 'pressure' },
  mbar: { unit: 'mbar', deviceClass: 'pressure' },
  bar: { unit: 'bar', deviceClass: 'pressure' },
  W: { unit: 'W', deviceClass: 'power' },
  kW: { unit: 'kW', deviceClass: 'power' },
  V: { unit: 'V', deviceClass: 'voltage' },
  mV: { unit: 'mV', deviceClass: 'voltage' },
  A: { unit: 'A', deviceClass: 'current' },
  mA: { unit: 'mA', deviceClass: 'current' },
  Wh: { unit: 'Wh', deviceClass: 'energy', stateClass: 'total_increasing' },
  kWh: { unit: 'kWh', deviceClass: 'energy', stateClass: 'total_increasing' },
  dBm: { unit: 'dBm', deviceClass: 'signal_strength' },
  dB: { unit: 'dB', deviceClass: 'signal_strength' },
  s: { unit: 's', deviceClass: 'duration' },
  ms: { unit: 'ms', deviceClass: 'duration' },
  min: { unit: 'min', deviceClass: 'duration' },
  h: { unit: 'h', deviceClass: 'duration' },
  By: { unit: 'B', deviceClass: 'data_size' },
  byte: { unit: 'B', deviceClass: 'data_size' },
  lx: { unit: 'lx', deviceClass: 'illuminance' },
  ppm: { unit: 'ppm' },
  '%': { unit: '%' },
};

/**
 * Semantic types (the local name of a TD `@type`, lower case) and, failing one, affordance names:
 * the device class of a sensor in percent, and of a binary sensor.
 */
const SEMANTIC_TYPES: Readonly<Record<string, { sensor?: string; binary?: string }>> = {
  battery: { sensor: 'battery', binary: 'battery' },
  humidity: { sensor: 'humidity', binary: 'moisture' },
  hum: { sensor: 'humidity' },
  relativehumidity: { sensor: 'humidity' },
  moisture: { sensor: 'moisture', binary: 'moisture' },
  temperature: { sensor: 'temperature' },
  contact: { binary: 'opening' },
  door: { binary: 'door' },
  window: { binary: 'window' },
  motion: { binary: 'motion' },
  occupancy: { binary: 'occupancy' },
  presence: { binary: 'presence' },
  smoke: { binary: 'smoke' },
  leak: { binary: 'moisture' },
  waterleak: { binary: 'moisture' },
  tamper: { binary: 'tamper' },
  vibration: { binary: 'vibration' },
};

/** Device classes whose sensors carry the unit `%` (Home Assistant refuses the class with another unit). */
const PERCENT_CLASSES = new Set(['battery', 'humidity', 'moisture']);

const isScalar = (s: Schema): boolean => ['number', 'integer', 'string', 'boolean'].includes(String(s['type']));
const writable = (s: Schema): boolean => s['readOnly'] !== true;
const enumOf = (s: Schema): unknown[] | null => (Array.isArray(s['enum']) && s['enum'].length > 0 ? s['enum'] : null);
const numeric = (s: Schema): boolean => s['type'] === 'number' || s['type'] === 'integer';

function semantic(a: Affordance): { sensor?: string; binary?: string } {
  const types = ([] as unknown[]).concat(a.schema['@type'] ?? []).filter((t): t is string => typeof t === 'string');
  for (const t of types) {
    const local = (t.split(/[:#/]/).pop() ?? '').toLowerCase().replace(/[^a-z]/g, '');
    const hit = SEMANTIC_TYPES[local];
    if (hit) return hit;
  }
  return SEMANTIC_TYPES[a.name.toLowerCase().replace(/[^a-z]/g, '')] ?? {};
}

/** An on/off property: a boolean, or an enum with ON and OFF (a Zigbee switch state). */
function onOff(s: Schema): { on: unknown; off: unknown } | null {
  if (s['type'] === 'boolean') return { on: true, off: false };
  const e = enumOf(s);
  return e && e.includes('ON') && e.includes('OFF') ? { on: 'ON', off: 'OFF' } : null;
}

/** An action Home Assistant can start with one fixed payload: no input, or an object input nothing in which is required. */
function pressPayload(s: Schema): string | null {
  const input = s['input'] as Schema | undefined;
  if (input === undefined) return ''; // an empty request payload is an action without input (request-envelope.ts)
  if (input['type'] === 'object' && !(Array.isArray(input['required']) && input['required'].length > 0)) return '{}';
  return null;
}

const VALUE = '{{ value_json }}';

interface Rule {
  component: HaComponent;
  applies(a: Affordance): boolean;
  keys(a: Affordance, o: HaOptions): Record<string, unknown>;
}

const state = (a: Affordance, o: HaOptions): string => o.topic(propertyTopic(a.thingId, a.name));
const setTopic = (a: Affordance, o: HaOptions): string => o.topic(propertySetTopic(a.thingId, a.name));

/** Affordance to component, first match wins. Property values on the state topic are JSON. */
const COMPONENTS: readonly Rule[] = [
  {
    component: 'button',
    applies: (a) => a.kind === 'action' && pressPayload(a.schema) !== null,
    keys: (a, o) => ({ command_topic: o.topic(actionTopic(a.thingId, a.name)), payload_press: pressPayload(a.schema) }),
  },
  {
    component: 'switch',
    applies: (a) => a.kind === 'property' && writable(a.schema) && onOff(a.schema) !== null,
    keys: (a, o) => {
      const v = onOff(a.schema) as { on: unknown; off: unknown };
      return {
        state_topic: state(a, o), command_topic: setTopic(a, o),
        value_template: `{{ 'ON' if value_json == ${JSON.stringify(v.on)} else 'OFF' }}`,
        state_on: 'ON', state_off: 'OFF', payload_on: JSON.stringify(v.on), payload_off: JSON.stringify(v.off),
      };
    },
  },
  {
    component: 'select',
    applies: (a) => a.kind === 'property' && writable(a.schema) && enumOf(a.schema) !== null,
    keys: (a, o) => ({
      state_topic: state(a, o), command_topic: setTopic(a, o), value_template: VALUE,
      options: (enumOf(a.schema) as unknown[]).map(String),
      // The option is a string; the write request is its JSON value.
      command_template: a.schema['type'] === 'string' ? '{{ value | tojson }}' : '{{ value }}',
    }),
  },
  {
    component: 'number',
    applies: (a) => a.kind === 'property' && writable(a.schema) && numeric(a.schema),
    keys: (a, o) => {
      const unit = unitOf(a);
      return {
        state_topic: state(a, o), command_topic: setTopic(a, o), value_template: VALUE,
        min: typeof a.schema['minimum'] === 'number' ? a.schema['minimum'] : -2147483648,
        max: typeof a.schema['maximum'] === 'number' ? a.schema['maximum'] : 2147483647,
        step: typeof a.schema['multipleOf'] === 'number' ? a.schema['multipleOf'] : a.schema['type'] === 'integer' ? 1 : 0.001,
        mode: 'box',
        ...(unit ? { unit_of_measurement: unit.unit } : {}),
      };
    },
  },
  {
    component: 'binary_sensor',
    applies: (a) => a.kind === 'property' && !writable(a.schema) && onOff(a.schema) !== null,
    keys: (a, o) => {
      const v = onOff(a.schema) as { on: unknown };
      const cls = semantic(a).binary;
      return {
        state_topic: state(a, o),
        value_template: `{{ 'ON' if value_json == ${JSON.stringify(v.on)} else 'OFF' }}`,
        payload_on: 'ON', payload_off: 'OFF',
        ...(cls ? { device_class: cls } : {}),
      };
    },
  },
  {
    component: 'sensor',
    applies: (a) => a.kind === 'property' && isScalar(a.schema),
    keys: (a, o) => ({ state_topic: state(a, o), value_template: VALUE, ...sensorClass(a) }),
  },
];

function unitOf(a: Affordance): UnitInfo | null {
  const u = a.schema['unit'];
  if (typeof u !== 'string' || u === '') return null;
  return UNITS[u] ?? UNITS_FOLDED.get(u.toLowerCase()) ?? { unit: u };
}

/** Units whose spelling in another case is still unambiguous (`cel`, UCUM's case-insensitive `CEL`). */
const UNITS_FOLDED = (() => {
  const m = new Map<string, UnitInfo | null>();
  for (const [k, v] of Object.entries(UNITS)) m.set(k.toLowerCase(), m.has(k.toLowerCase()) ? null : v);
  return new Map([...m].filter((e): e is [string, UnitInfo] => e[1] !== null));
})();

/** device_class, unit_of_measurement, state_class (and options for an enum) of a sensor, where known. */
function sensorClass(a: Affordance): Record<string, unknown> {
  const e = enumOf(a.schema);
  if (e && a.schema['type'] === 'string') return { device_class: 'enum', options: e.map(String) };
  if (!numeric(a.schema)) return {};
  const unit = unitOf(a);
  let cls = unit?.deviceClass;
  const sem = semantic(a).sensor;
  if (!cls && sem && PERCENT_CLASSES.has(sem) && unit?.unit === '%') cls = sem;
  return {
    ...(cls ? { device_class: cls } : {}),
    ...(unit ? { unit_of_measurement: unit.unit } : {}),
    state_class: unit?.stateClass ?? 'measurement',
  };
}

/** Home Assistant's ids allow `[a-zA-Z0-9_-]`; a thing id's `:` becomes `_`, and an id that loses more gets a hash for uniqueness. */
export function haId(s: string): string {
  const plain = s.replace(/:/g, '_');
  const clean = plain.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (clean === plain && !s.includes('_')) return clean;
  return `${clean}-${createHash('sha256').update(s).digest('hex').slice(0, 8)}`;
}

/** The node id level of a thing's discovery topics. */
export function discoveryNodeId(thingId: string, o: Pick<HaOptions, 'idPrefix'>): string {
  return `${o.idPrefix}${haId(thingId)}`;
}

export function discoveryTopic(prefix: string, component: HaComponent, nodeId: string, objectId: string): string {
  return `${prefix}/${component}/${nodeId}/${objectId}/config`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Device info of a thing: the TD's title, its schema.org manufacturer and model where it has them. */
function device(t: HaThing, o: HaOptions): Record<string, unknown> {
  const td = t.consumerTd;
  const version = td['version'] as Record<string, unknown> | undefined;
  const isGateway = t.id === GATEWAY_THING_ID;
  const title = str(td['title']) ?? t.id;
  return {
    identifiers: [isGateway ? o.gatewayDeviceId : `${o.idPrefix}${t.id}`],
    name: title,
    manufacturer: str(td['schema:manufacturer']) ?? str(td['manufacturer']) ?? (isGateway ? 'Roost' : `unknown (via Roost ${t.binding})`),
    model: str(td['schema:model']) ?? str(td['model']) ?? str(td['description']) ?? `${t.binding} device`,
    ...(str(version?.['instance']) ? { sw_version: version?.['instance'] } : {}),
    ...(isGateway ? {} : { via_device: o.gatewayDeviceId }),
  };
}

/** Every discovery message of a thing; affordances that map to no component (objects, arrays, actions needing input, events) have none. */
export function discoveryMessages(t: HaThing, o: HaOptions): HaMessage[] {
  const td = t.consumerTd;
  const nodeId = discoveryNodeId(t.id, o);
  const dev = device(t, o);
  const availability = [{ topic: o.topic(availabilityTopic(t.id)) }, { topic: o.gatewayAvailabilityTopic }];
  const out: HaMessage[] = [];
  const affordances: Affordance[] = [
    ...Object.entries((td['properties'] ?? {}) as Record<string, Schema>).map(([name, schema]) => ({ kind: 'property' as const, name, schema, thingId: t.id })),
    ...Object.entries((td['actions'] ?? {}) as Record<string, Schema>).map(([name, schema]) => ({ kind: 'action' as const, name, schema, thingId: t.id })),
  ];
  for (const a of affordances) {
    const rule = COMPONENTS.find((r) => r.applies(a));
    if (!rule) continue;
    const objectId = `${a.kind}_${haId(a.name)}`;
    out.push({
      component: rule.component,
      objectId,
      topic: discoveryTopic(o.prefix, rule.component, nodeId, objectId),
      config: {
        name: str(a.schema['title']) ?? a.name,
        unique_id: `${nodeId}_${objectId}`,
        ...rule.keys(a, o),
        availability,
        availability_mode: 'all',
        qos: 1,
        device: dev,
        origin: { name: 'Roost', ...(o.swVersion ? { sw_version: o.swVersion } : {}) },
      },
    });
  }
  return out;
}
