/**
 * TDs and Home Assistant configs on the gateway's broker are rendered from the directory, not kept
 * (gateway/mqtt/retained-store.ts): a client that subscribes after they were published gets each
 * thing's TD and configs as they stand, byte for byte what the publishers send; a thing whose id
 * cannot be read back from its discovery topic keeps its configs in the broker; a TD change and a
 * removal show to the next subscriber; /metrics counts the rendered sets (a thing's TD, its
 * configs).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { discoveryMessages, haConfigPayload, HA_DISCOVERY_PREFIX, GATEWAY_THING_ID } from '../../../gateway/mqtt/ha-discovery.js';
import { GATEWAY_AVAILABILITY_TOPIC } from '../../../gateway/mqtt/availability-publisher.js';
import { jsonPayload } from '../../../gateway/mqtt/publisher.js';
import { availabilityTopic } from '../../../gateway/mqtt/availability-publisher.js';
import { propertyTopic, tdTopic } from '../../../gateway/mqtt/topics.js';
import { deviceTd, TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { until } from '../../helpers/until.js';
import { connect, httpToken } from './mqtt-rig.js';

const LAMP = 'urn:roost:rr:lamp';
/** haId hashes an id with `_`: its node id cannot be read back, so its configs are kept. */
const ODD = 'urn:roost:rr:odd_one';
const HA = { prefix: HA_DISCOVERY_PREFIX, topic: (t: string) => t, gatewayAvailabilityTopic: GATEWAY_AVAILABILITY_TOPIC, gatewayDeviceId: GATEWAY_THING_ID, idPrefix: '' };

describe('retained TDs and discovery configs rendered from the directory', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;

  /** Every retained message a new subscriber gets on these filters, by topic. */
  async function retained(...filters: string[]): Promise<Map<string, Buffer>> {
    const rig = await connect(gw.mqttUrl as string, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    try {
      await rig.client.subscribeAsync(filters, { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
      return new Map(rig.received.filter((m) => m.packet.retain).map((m) => [m.topic, m.payload]));
    } finally {
      await rig.client.endAsync(true);
    }
  }

  async function rendered(): Promise<number> {
    const token = await httpToken(gw, 'admin', TEST_ADMIN_PASSWORD);
    const text = await (await fetch(`${gw.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    return Number(/^roost_mqtt_retained_rendered (\d+)$/m.exec(text)?.[1]);
  }

  const configsOf = (id: string): Map<string, Buffer> => {
    const t = gw.hub.getThing(id);
    return new Map(discoveryMessages({ id, binding: t.binding, consumerTd: t.consumerTd }, HA).map((m) => [m.topic, haConfigPayload(m)]));
  };

  before(async () => {
    dev = new TestDeviceBinding('rr', [{ deviceId: 'lamp', sleepy: false }, { deviceId: 'odd_one', sleepy: false }]);
    gw = await startTestGateway({}, { extraBindings: [dev] });
  });

  after(() => gw.stop());

  it('gives a later subscriber every TD and config as the publishers made them', async () => {
    const ids = gw.hub.listThings({ offset: 0, limit: 100 }).items.map((t) => t.id);
    assert.ok(ids.includes(LAMP) && ids.includes(ODD));
    const lampConfigs = configsOf(LAMP);
    assert.ok(lampConfigs.size >= 2, 'the lamp has discovery configs');
    // Every thing's TD and availability, the values of those that have any, and the configs of
    // every thing but ODD (those it has), are rendered: one set each.
    const withValues = ids.filter((id) => Object.keys(gw.hub.readAllProperties(id)).length > 0).length;
    const expected = 2 * ids.length + withValues + ids.filter((id) => id !== ODD && configsOf(id).size > 0).length;
    await until('every TD and config published', async () => (await rendered()) === expected);

    const tds = await retained('things/+/td');
    assert.deepEqual([...tds.keys()].sort(), ids.map(tdTopic).sort());
    for (const id of ids) assert.ok(tds.get(tdTopic(id))!.equals(jsonPayload(gw.hub.getThing(id).consumerTd)), id);
    const configs = await retained(`${HA_DISCOVERY_PREFIX}/#`);
    for (const id of [LAMP, ODD]) {
      for (const [topic, payload] of configsOf(id)) assert.ok(configs.get(topic)?.equals(payload), topic);
    }
  });

  it('a TD change reaches the next subscriber, and its configs follow it', async () => {
    const td = deviceTd('Renamed lamp');
    dev.ctx!.registerThing({ deviceId: 'lamp', nativeTd: td, sleepy: false });
    await until('the new title', async () => (JSON.parse((await retained(tdTopic(LAMP))).get(tdTopic(LAMP))?.toString() ?? '{}') as { title?: string }).title === 'Renamed lamp');
    const configs = await retained(`${HA_DISCOVERY_PREFIX}/+/urn_roost_rr_lamp/+/config`);
    assert.ok(configs.size > 0);
    for (const payload of configs.values()) assert.equal((JSON.parse(payload.toString()) as { device: { name: string } }).device.name, 'Renamed lamp');
  });

  it('gives a later subscriber every value and the availability as the hub has them, and no value its TD no longer admits', async () => {
    dev.ctx!.reportProperties(ODD, { temperature: 21.5, brightness: 40 });
    const values = (): Promise<Map<string, Buffer>> => retained(`things/${encodeURIComponent(ODD).replaceAll('%3A', ':')}/property/+`);
    await until('both values', async () => (await values()).size === 2);
    const got = await values();
    assert.equal(got.get(propertyTopic(ODD, 'temperature'))?.toString(), '21.5');
    assert.equal(got.get(propertyTopic(ODD, 'brightness'))?.toString(), '40');
    assert.equal((await retained(propertyTopic(ODD, 'temperature'))).get(propertyTopic(ODD, 'temperature'))?.toString(), '21.5', 'a named topic');
    const availability = await retained(availabilityTopic(ODD));
    assert.equal(availability.get(availabilityTopic(ODD))?.toString(), gw.hub.getThing(ODD).online ? 'online' : 'offline');
    // A TD that caps brightness at 30: the twin's 40 no longer fits, and is not served.
    const td = deviceTd();
    (td['properties'] as Record<string, Record<string, unknown>>)['brightness']!['maximum'] = 30;
    dev.ctx!.registerThing({ deviceId: 'odd_one', nativeTd: td, sleepy: false });
    await until('brightness gone', async () => !(await values()).has(propertyTopic(ODD, 'brightness')));
    assert.equal((await values()).get(propertyTopic(ODD, 'temperature'))?.toString(), '21.5');
  });

  it('a removed thing leaves no TD and no config, and is no longer counted', async () => {
    const before = await rendered();
    const sets = 3 + (Object.keys(gw.hub.readAllProperties(LAMP)).length > 0 ? 1 : 0); // TD, availability, configs, values
    dev.ctx!.removeThing(LAMP);
    await until('the lamp uncounted', async () => (await rendered()) === before - sets);
    const all = await retained('things/+/td', `${HA_DISCOVERY_PREFIX}/#`);
    assert.equal(all.has(tdTopic(LAMP)), false);
    assert.deepEqual([...all.keys()].filter((t) => t.includes('urn_roost_rr_lamp')), []);
    assert.ok(all.has(tdTopic(ODD)));
  });
});
