/**
 * Home Assistant discovery payloads of every thing of the demo fleet (their consumer TDs, saved
 * from a `roost demo` run in ha-discovery-demo-tds.json) checked against the keys Home Assistant's
 * MQTT integration documents for each component (home-assistant.io/integrations/<component>.mqtt,
 * "Configuration Variables"; the tables below are written from those pages, not from our mapper).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { discoveryMessages, GATEWAY_THING_ID, haId, type HaMessage, type HaOptions, type HaThing } from '../../../gateway/mqtt/ha-discovery.js';

/** Keys every MQTT entity platform documents, plus `origin` (discovery payloads). */
const COMMON = ['availability', 'availability_mode', 'availability_template', 'availability_topic', 'default_entity_id', 'device', 'enabled_by_default',
  'encoding', 'entity_category', 'entity_picture', 'icon', 'json_attributes_template', 'json_attributes_topic', 'name', 'object_id', 'origin',
  'payload_available', 'payload_not_available', 'qos', 'unique_id'];
const DEVICE_KEYS = ['configuration_url', 'connections', 'hw_version', 'identifiers', 'manufacturer', 'model', 'model_id', 'name', 'serial_number',
  'suggested_area', 'sw_version', 'via_device'];
const AVAILABILITY_KEYS = ['payload_available', 'payload_not_available', 'topic', 'value_template'];
const ORIGIN_KEYS = ['name', 'support_url', 'sw_version'];

const COMPONENT_KEYS: Record<string, { required: string[]; optional: string[] }> = {
  sensor: { required: ['state_topic'], optional: ['device_class', 'expire_after', 'force_update', 'last_reset_value_template', 'options', 'suggested_display_precision', 'state_class', 'unit_of_measurement', 'value_template'] },
  binary_sensor: { required: ['state_topic'], optional: ['device_class', 'expire_after', 'force_update', 'off_delay', 'payload_off', 'payload_on', 'value_template'] },
  switch: { required: [], optional: ['command_template', 'command_topic', 'device_class', 'optimistic', 'payload_off', 'payload_on', 'retain', 'state_off', 'state_on', 'state_topic', 'value_template'] },
  number: { required: ['command_topic'], optional: ['command_template', 'device_class', 'max', 'min', 'mode', 'optimistic', 'payload_reset', 'retain', 'state_topic', 'step', 'unit_of_measurement', 'value_template'] },
  select: { required: ['command_topic', 'options'], optional: ['command_template', 'optimistic', 'retain', 'state_topic', 'value_template'] },
  button: { required: ['command_topic'], optional: ['command_template', 'device_class', 'payload_press', 'retain'] },
};

/** Sensor device classes and the units Home Assistant accepts for them (integrations/sensor, "Device class"). */
const SENSOR_UNITS: Record<string, string[] | null> = {
  temperature: ['°C', '°F', 'K'], humidity: ['%'], battery: ['%'], moisture: ['%'],
  pressure: ['cbar', 'bar', 'hPa', 'mmHg', 'inHg', 'kPa', 'mbar', 'Pa', 'psi'],
  power: ['mW', 'W', 'kW', 'MW', 'GW', 'TW', 'BTU/h'], voltage: ['µV', 'mV', 'V', 'kV', 'MV'], current: ['mA', 'A'],
  energy: ['J', 'kJ', 'MJ', 'GJ', 'mWh', 'Wh', 'kWh', 'MWh', 'GWh', 'TWh', 'cal', 'kcal', 'Mcal', 'Gcal'],
  signal_strength: ['dB', 'dBm'], duration: ['d', 'h', 'min', 's', 'ms'], illuminance: ['lx'],
  data_size: ['bit', 'kbit', 'Mbit', 'Gbit', 'B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'],
  enum: null,
};
const BINARY_CLASSES = ['battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat', 'light', 'lock',
  'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem', 'running', 'safety', 'smoke', 'sound', 'tamper',
  'update', 'vibration', 'window'];
const STATE_CLASSES = ['measurement', 'measurement_angle', 'total', 'total_increasing'];

const demo = JSON.parse(readFileSync(new URL('./ha-discovery-demo-tds.json', import.meta.url), 'utf8')) as Array<{ binding: string; consumerTd: HaThing['consumerTd'] & { id: string } }>;
const options: HaOptions = { prefix: 'homeassistant', topic: (t) => t, gatewayAvailabilityTopic: 'gateway/availability', gatewayDeviceId: GATEWAY_THING_ID, idPrefix: '' };
const things: HaThing[] = demo.map((d) => ({ id: d.consumerTd.id, binding: d.binding, consumerTd: d.consumerTd }));
const all = new Map<string, HaMessage[]>(things.map((t) => [t.id, discoveryMessages(t, options)]));

function onlyKeys(obj: Record<string, unknown>, allowed: string[], what: string): void {
  for (const k of Object.keys(obj)) assert.ok(allowed.includes(k), `${what}: key ${k} is not documented`);
}

describe('Home Assistant discovery of the demo fleet', () => {
  it('the demo fleet is all there: 32 things of five bindings', () => {
    assert.equal(things.length, 32);
    assert.deepEqual([...new Set(things.map((t) => t.binding))].sort(), ['ble', 'coap', 'serial', 'system', 'zigbee']);
  });

  it('every thing has entities, and every payload has only documented keys and every required one', () => {
    const topics = new Set<string>();
    const ids = new Set<string>();
    for (const t of things) {
      const msgs = all.get(t.id) ?? [];
      assert.ok(msgs.length > 0, `${t.id} has no entity`);
      for (const m of msgs) {
        const spec = COMPONENT_KEYS[m.component];
        assert.ok(spec, m.component);
        const what = `${t.id} ${m.topic}`;
        onlyKeys(m.config, [...COMMON, ...spec.required, ...spec.optional], what);
        for (const k of spec.required) assert.ok(m.config[k] !== undefined, `${what}: required ${k} missing`);
        assert.match(m.topic, /^homeassistant\/[a-z_]+\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/);
        assert.equal(m.topic.split('/')[1], m.component);
        assert.ok(!topics.has(m.topic), `duplicate topic ${m.topic}`);
        topics.add(m.topic);
        const uid = m.config['unique_id'] as string;
        assert.ok(!ids.has(uid), `duplicate unique_id ${uid}`);
        ids.add(uid);
        assert.equal(typeof m.config['name'], 'string');
        const dev = m.config['device'] as Record<string, unknown>;
        onlyKeys(dev, DEVICE_KEYS, `${what} device`);
        for (const k of ['name', 'model', 'manufacturer']) assert.ok(typeof dev[k] === 'string' && (dev[k] as string).length > 0, `${what}: device.${k}`);
        assert.ok(Array.isArray(dev['identifiers']) && dev['identifiers'].length > 0, `${what}: device.identifiers`);
        if (t.id !== GATEWAY_THING_ID) assert.equal(dev['via_device'], GATEWAY_THING_ID, `${what}: via_device`);
        const avail = m.config['availability'] as Array<Record<string, unknown>>;
        assert.deepEqual(avail.map((a) => a['topic']), [`things/${t.id}/availability`, 'gateway/availability']);
        for (const a of avail) onlyKeys(a, AVAILABILITY_KEYS, `${what} availability`);
        onlyKeys(m.config['origin'] as Record<string, unknown>, ORIGIN_KEYS, `${what} origin`);
        assert.equal((m.config['origin'] as Record<string, unknown>)['name'], 'Roost');
        for (const k of ['state_topic', 'command_topic']) {
          const v = m.config[k];
          if (v !== undefined) assert.match(v as string, new RegExp(`^things/${t.id}/(property|action)/[^/+#]+(/set)?$`), `${what} ${k}`);
        }
      }
    }
  });

  it('sensor classes, units and state classes are ones Home Assistant accepts together', () => {
    for (const m of [...all.values()].flat()) {
      const c = m.config;
      if (m.component === 'sensor' && c['device_class'] !== undefined) {
        const units = SENSOR_UNITS[c['device_class'] as string];
        assert.ok(units !== undefined, `${m.topic}: unknown device_class ${String(c['device_class'])}`);
        if (units === null) assert.equal(c['unit_of_measurement'], undefined);
        else assert.ok(units.includes(c['unit_of_measurement'] as string), `${m.topic}: unit ${String(c['unit_of_measurement'])} for ${String(c['device_class'])}`);
      }
      if (c['state_class'] !== undefined) assert.ok(STATE_CLASSES.includes(c['state_class'] as string), m.topic);
      if (m.component === 'binary_sensor' && c['device_class'] !== undefined) assert.ok(BINARY_CLASSES.includes(c['device_class'] as string), m.topic);
    }
  });

  it('maps the demo affordances to the expected components', () => {
    const find = (thingId: string, objectId: string): HaMessage | undefined => all.get(thingId)?.find((m) => m.topic.endsWith(`/${objectId}/config`));
    const room = find('urn:roost:coap:room-0', 'property_temp');
    assert.equal(room?.component, 'sensor');
    assert.deepEqual([room?.config['device_class'], room?.config['unit_of_measurement'], room?.config['state_class']], ['temperature', '°C', 'measurement']);
    assert.equal(find('urn:roost:coap:room-0', 'property_interval')?.component, 'number');
    assert.equal(find('urn:roost:coap:room-0', 'action_blink')?.component, 'button');
    const led = find('urn:roost:coap:lamp-0', 'property_led');
    assert.equal(led?.component, 'switch');
    assert.deepEqual([led?.config['payload_on'], led?.config['payload_off'], led?.config['command_topic']], ['true', 'false', 'things/urn:roost:coap:lamp-0/property/led/set']);
    const plug = find('urn:roost:zigbee:00124b000000001a', 'property_state');
    assert.equal(plug?.component, 'switch');
    assert.equal(plug?.config['payload_on'], '"ON"');
    const energy = find('urn:roost:zigbee:00124b000000001a', 'property_energy');
    assert.deepEqual([energy?.config['device_class'], energy?.config['state_class']], ['energy', 'total_increasing']);
    const contact = find('urn:roost:zigbee:00124b000000001b', 'property_contact');
    assert.deepEqual([contact?.component, contact?.config['device_class']], ['binary_sensor', 'opening']);
    assert.equal(find('urn:roost:zigbee:00124b000000001b', 'action_identify')?.component, 'button');
    assert.equal(find('urn:roost:zigbee:00124b000000001b', 'property_battery')?.config['device_class'], 'battery');
    assert.equal(find('urn:roost:ble:a4c138000015', 'property_humidity')?.config['device_class'], 'humidity');
    assert.equal(find('urn:roost:ble:d40000000017', 'property_pressure')?.config['device_class'], 'pressure');
    // An action that needs input has no button; objects and arrays have no entity.
    assert.equal(find('urn:roost:zigbee:coordinator', 'action_permitJoin'), undefined);
    assert.equal(find(GATEWAY_THING_ID, 'property_memory'), undefined);
    const gw = find(GATEWAY_THING_ID, 'property_uptimeS');
    assert.equal((gw?.config['device'] as Record<string, unknown>)['via_device'], undefined);
  });

  it('upstream: topics under the uplink base, ids prefixed by the gateway id', () => {
    const up: HaOptions = { ...options, topic: (t) => `roost/gw1/${t}`, gatewayAvailabilityTopic: 'roost/gw1/availability', gatewayDeviceId: `gw1_${GATEWAY_THING_ID}`, idPrefix: 'gw1_' };
    const [m] = discoveryMessages(things.find((t) => t.id === 'urn:roost:coap:lamp-0') as HaThing, up);
    assert.match(m?.topic ?? '', /^homeassistant\/\w+\/gw1_urn_roost_coap_lamp-0\//);
    assert.match(m?.config['state_topic'] as string, /^roost\/gw1\/things\//);
    assert.equal((m?.config['device'] as Record<string, unknown>)['via_device'], `gw1_${GATEWAY_THING_ID}`);
  });

  it('ids: `:` becomes `_`; an id that loses more characters gets a hash', () => {
    assert.equal(haId('urn:roost:coap:room-0'), 'urn_roost_coap_room-0');
    assert.match(haId('urn:roost:x:a.b'), /^urn_roost_x_a_b-[0-9a-f]{8}$/);
    assert.notEqual(haId('urn:roost:x:a_b'), haId('urn:roost:x:a:b'));
  });
});
