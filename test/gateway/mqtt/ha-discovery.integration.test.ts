/**
 * Home Assistant discovery on the gateway's broker: retained configs under homeassistant/ at start,
 * a command on a switch's and a button's command topic reaches the device through the queue,
 * only the gateway publishes there, the configs are emptied when the thing is removed, and
 * `mqtt.homeAssistantDiscovery: false` turns it off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ThingDescription } from '../../../gateway/binding.js';
import { deviceTd, TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { addUser, connect, type Rig } from './mqtt-rig.js';
import { until } from '../../helpers/until.js';

const PLUG = 'urn:roost:ha:plug';
const NODE = 'urn_roost_ha_plug';

function plugTd(): ThingDescription {
  const td = deviceTd('Test plug');
  (td['properties'] as Record<string, unknown>)['on'] = { type: 'boolean', observable: true, forms: [{ href: 'test://on' }] };
  return td;
}


describe('Home Assistant discovery on the local broker', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let rig: Rig;
  const config = (topic: string): Record<string, unknown> | null => {
    const last = rig.received.filter((r) => r.topic === topic).at(-1);
    return last && last.payload.length > 0 ? JSON.parse(last.payload.toString()) as Record<string, unknown> : null;
  };

  before(async () => {
    dev = new TestDeviceBinding('ha', [{ deviceId: 'plug', sleepy: false, td: plugTd() }]);
    gw = await startTestGateway({}, { extraBindings: [dev] });
    await addUser(gw, 'hass', 'hass-password-1', 'operator');
    rig = await connect(gw.mqttUrl as string, { username: 'hass', password: 'hass-password-1' });
    await rig.client.subscribeAsync('homeassistant/#', { qos: 1 });
  });

  after(async () => {
    await rig.client.endAsync(true);
    await gw.stop();
  });

  it('publishes retained configs of the thing (sensor, number, switch, button)', async () => {
    await until('configs', () => config(`homeassistant/switch/${NODE}/property_on/config`) !== null && config(`homeassistant/button/${NODE}/action_reset/config`) !== null);
    const retained = rig.received.find((r) => r.topic === `homeassistant/switch/${NODE}/property_on/config`);
    assert.equal(retained?.packet.retain, true);
    const temp = config(`homeassistant/sensor/${NODE}/property_temperature/config`);
    assert.deepEqual([temp?.['device_class'], temp?.['unit_of_measurement'], temp?.['state_topic']], ['temperature', '°C', `things/${PLUG}/property/temperature`]);
    assert.equal(config(`homeassistant/number/${NODE}/property_brightness/config`)?.['max'], 100);
    assert.ok(config(`homeassistant/button/${NODE}/action_reset/config`));
    // blink needs input (times): no button.
    assert.equal(config(`homeassistant/button/${NODE}/action_blink/config`), null);
  });

  it('a command on the command topic reaches the device through the queue', async () => {
    const sw = config(`homeassistant/switch/${NODE}/property_on/config`) as Record<string, string>;
    await rig.client.publishAsync(sw['command_topic'] as string, sw['payload_on'] as string, { qos: 1 });
    await until('write delivered', () => dev.delivered.some((i) => i.kind === 'write' && i.name === 'on'));
    assert.equal(dev.delivered.find((i) => i.kind === 'write' && i.name === 'on')?.input, true);
    const button = config(`homeassistant/button/${NODE}/action_reset/config`) as Record<string, string>;
    await rig.client.publishAsync(button['command_topic'] as string, button['payload_press'] as string, { qos: 1 });
    await until('action delivered', () => dev.delivered.some((i) => i.kind === 'action' && i.name === 'reset'));
  });

  it('only the gateway publishes discovery and gateway availability', async () => {
    const admin = await connect(gw.mqttUrl as string, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    const topic = `homeassistant/switch/${NODE}/property_on/config`;
    const before = rig.received.filter((r) => r.topic === topic).length;
    await admin.client.publishAsync(topic, 'forged', { qos: 1 });
    await admin.client.publishAsync('gateway/availability', 'offline', { qos: 1 });
    await sleep(200);
    assert.equal(rig.received.filter((r) => r.topic === topic).length, before);
    await admin.client.endAsync(true);
  });

  it('a removed thing has its configs emptied', async () => {
    dev.ctx?.removeThing(PLUG);
    await until('configs emptied', () => config(`homeassistant/switch/${NODE}/property_on/config`) === null
      && config(`homeassistant/sensor/${NODE}/property_temperature/config`) === null);
  });
});

it('mqtt.homeAssistantDiscovery: false publishes nothing under homeassistant/', async () => {
  const dev = new TestDeviceBinding('ha', [{ deviceId: 'plug', sleepy: false, td: plugTd() }]);
  const gw = await startTestGateway({ mqtt: { host: '127.0.0.1', port: 0, homeAssistantDiscovery: false } }, { extraBindings: [dev] });
  try {
    const rig = await connect(gw.mqttUrl as string, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    await rig.client.subscribeAsync(['homeassistant/#', `things/${PLUG}/td`], { qos: 1 });
    await until('td', () => rig.received.some((r) => r.topic.endsWith('/td')));
    await sleep(300);
    assert.equal(rig.received.filter((r) => r.topic.startsWith('homeassistant/')).length, 0);
    await rig.client.endAsync(true);
  } finally {
    await gw.stop();
  }
});
