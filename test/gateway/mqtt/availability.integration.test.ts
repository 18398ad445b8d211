/**
 * Availability (docs/mqtt.md "Availability"): `things/{id}/availability` retained, online while an
 * always-on device is there and while a sleepy device keeps its wake schedule, offline after the
 * configured number of missed wakes, online again at its next wake; cleared when the thing goes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { GATEWAY_AVAILABILITY_TOPIC, availabilityTopic } from '../../../gateway/mqtt/availability-publisher.js';
import { connect, type Rig } from './mqtt-rig.js';
import { until } from '../../helpers/until.js';

const LAMP = 'urn:roost:avail:lamp';
const SENSOR = 'urn:roost:avail:sensor';


describe('availability on MQTT', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let rig: Rig;
  const seen = (topic: string): string[] => rig.received.filter((r) => r.topic === topic).map((r) => r.payload.toString());

  before(async () => {
    dev = new TestDeviceBinding('avail', [{ deviceId: 'lamp', sleepy: false }, { deviceId: 'sensor', sleepy: true }]);
    gw = await startTestGateway({
      queue: { awakeWindowMs: 20 },
      availability: { missedWakes: 2, checkIntervalMs: 20 },
    }, { extraBindings: [dev] });
    rig = await connect(gw.mqttUrl as string, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    await rig.client.subscribeAsync(['things/+/availability', GATEWAY_AVAILABILITY_TOPIC], { qos: 1 });
  });

  after(async () => {
    await rig.client.endAsync(true);
    await gw.stop();
  });

  it('publishes online, retained, for every thing and for the gateway', async () => {
    await until('lamp availability', () => seen(availabilityTopic(LAMP)).length > 0);
    const lamp = rig.received.find((r) => r.topic === availabilityTopic(LAMP));
    assert.equal(lamp?.payload.toString(), 'online');
    assert.equal(lamp?.packet.retain, true);
    await until('gateway availability', () => seen(GATEWAY_AVAILABILITY_TOPIC).includes('online'));
  });

  it('an always-on device the binding reports gone is offline, then online again', async () => {
    dev.ctx?.setOnline(LAMP, false);
    await until('lamp offline', () => seen(availabilityTopic(LAMP)).at(-1) === 'offline');
    dev.ctx?.setOnline(LAMP, true);
    await until('lamp online', () => seen(availabilityTopic(LAMP)).at(-1) === 'online');
  });

  it('a sleepy device is online while it keeps its schedule and offline after 2 missed wakes', async () => {
    const wake = (): void => {
      dev.ctx?.awake(SENSOR);
      dev.ctx?.reportProperties(SENSOR, { temperature: 20 });
    };
    for (let i = 0; i < 6; i++) {
      wake();
      await sleep(100);
    }
    assert.ok(!seen(availabilityTopic(SENSOR)).includes('offline'), `kept its schedule: ${seen(availabilityTopic(SENSOR)).join(',')}`);
    assert.equal(gw.hub.getThing(SENSOR).online, true);
    const stoppedAt = Date.now();
    await until('sensor offline', () => seen(availabilityTopic(SENSOR)).at(-1) === 'offline', 3000);
    const after = Date.now() - stoppedAt;
    // 2 missed wakes of ~100 ms counted from the last wake (about 100 ms before stoppedAt), checked every 20 ms.
    assert.ok(after >= 80 && after < 1500, `offline after ${after} ms`);
    assert.equal(gw.hub.getThing(SENSOR).online, false);
    wake();
    await until('sensor online again', () => seen(availabilityTopic(SENSOR)).at(-1) === 'online');
  });

  it('a removed thing has its retained availability cleared', async () => {
    dev.ctx?.removeThing(LAMP);
    await until('lamp cleared', () => seen(availabilityTopic(LAMP)).at(-1) === '');
  });
});
