/**
 * The uplink as an Eclipse Hono gateway (uplink.profile hono) against Debian's mosquitto standing
 * in for Hono's MQTT adapter (Hono itself does not run here): an application on the broker sees
 * the topics and payloads the adapter would take from a gateway, and publishes commands on the
 * topics the adapter would use. Telemetry at the configured QoS 0, events at QoS 1, ttd -1/0 for
 * an always-on thing, request-response and one-way commands mapped to actions and property writes,
 * refusals with their status, and a command for a sleeping device delivered at its next wake,
 * announced by a ttd notification, and answered on its res topic; such a command, and an answer
 * the link did not take, answered after gateway restarts.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { startMosquitto, type Mosquitto } from './mosquitto-broker.js';
import { metrics, until } from './uplink-rig.js';

const LAMP = 'urn:roost:hono:lamp';
const SENSOR = 'urn:roost:hono:sensor';
const JSON_BAG = '/?content-type=application%2Fjson';
const TTD_BAG = '/?content-type=application%2Fvnd.eclipse-hono-empty-notification&ttd=';

interface Msg { topic: string; payload: string; qos: number }

describe('uplink profile hono through mosquitto', () => {
  let broker: Mosquitto;
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let app: MqttClient;
  const got: Msg[] = [];
  const on = (topic: string): Msg[] => got.filter((m) => m.topic === topic);
  const command = (device: string, reqId: string, name: string, payload: string) =>
    app.publishAsync(`command//${device}/req/${reqId}/${name}`, payload, { qos: 1 });

  before(async () => {
    broker = await startMosquitto({ gateway: 'gateway-secret', app: 'app-secret' });
    app = await mqtt.connectAsync(broker.url, { username: 'app', password: 'app-secret', clientId: 'hono-app', reconnectPeriod: 0 });
    app.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos }));
    await app.subscribeAsync(['telemetry/#', 'event/#', 'command//+/res/#'], { qos: 1 });
    dev = new TestDeviceBinding('hono', [{ deviceId: 'lamp', sleepy: false }, { deviceId: 'sensor', sleepy: true }]);
    gw = await startTestGateway({
      uplink: { enabled: true, url: broker.url, username: 'gateway', password: 'gateway-secret', gatewayId: 'gw-h', profile: 'hono', telemetryQos: 0, reconnectMinMs: 100, reconnectMaxMs: 400 },
    }, { extraBindings: [dev] });
  });

  after(async () => {
    await gw.stop();
    await app.endAsync(true);
    await broker.close();
  });

  it('says ttd -1 for an always-on thing, sends telemetry at QoS 0 and events at QoS 1, nothing off Hono\'s grammar', async () => {
    await until('ttd -1', () => on(`event//${LAMP}${TTD_BAG}-1`).length > 0);
    assert.equal(on(`event//${LAMP}${TTD_BAG}-1`)[0]?.payload, '', 'an empty notification');
    dev.ctx?.reportProperties(LAMP, { temperature: 21.5 });
    dev.ctx?.emitEvent(LAMP, 'button', 'pressed');
    await until('telemetry', () => on(`telemetry//${LAMP}${JSON_BAG}`).length > 0);
    await until('event', () => on(`event//${LAMP}${JSON_BAG}`).length > 0);
    const t = on(`telemetry//${LAMP}${JSON_BAG}`)[0] as Msg;
    assert.equal(t.qos, 0);
    assert.deepEqual({ ...(JSON.parse(t.payload) as object), ts: 0 }, { name: 'temperature', value: 21.5, ts: 0 });
    const e = on(`event//${LAMP}${JSON_BAG}`)[0] as Msg;
    assert.equal(e.qos, 1);
    assert.deepEqual({ ...(JSON.parse(e.payload) as object), ts: 0 }, { name: 'button', data: 'pressed', ts: 0 });
    for (const m of got) assert.match(m.topic, /^(telemetry|event)\/\/[^/]+\/\?content-type=/, `only Hono topics: ${m.topic}`);
    dev.ctx?.setOnline(LAMP, false);
    await until('ttd 0', () => on(`event//${LAMP}${TTD_BAG}0`).length > 0);
    dev.ctx?.setOnline(LAMP, true);
  });

  it('maps commands to actions and property writes; request-response ones are answered, one-way ones are not', async () => {
    await command(LAMP, 'r1', 'blink', JSON.stringify({ times: 2 }));
    await until('response 200', () => on(`command//${LAMP}/res/r1/200${JSON_BAG}`).length > 0);
    assert.deepEqual(JSON.parse(on(`command//${LAMP}/res/r1/200${JSON_BAG}`)[0]?.payload ?? ''), { done: 'blink' });
    assert.deepEqual(dev.delivered.find((i) => i.name === 'blink')?.input, { times: 2 });
    await command(LAMP, 'r2', 'set:brightness', '40');
    await until('response 204', () => on(`command//${LAMP}/res/r2/204`).length > 0);
    assert.equal(dev.delivered.find((i) => i.kind === 'write')?.input, 40);
    const before = got.length;
    await command(LAMP, '', 'reset', '');
    await until('one-way delivered', () => dev.delivered.some((i) => i.name === 'reset'));
    await sleep(200);
    assert.equal(got.slice(before).filter((m) => m.topic.startsWith('command/')).length, 0, 'no response to a one-way command');
  });

  it('refuses with the error\'s status: unknown action 404, input off its schema 400, payload not JSON 400; malformed topics counted', async () => {
    const n = dev.delivered.length;
    await command(LAMP, 'r3', 'nope', '{}');
    await command(LAMP, 'r4', 'blink', JSON.stringify({ times: 'x' }));
    await command(LAMP, 'r5', 'blink', '{not json');
    await app.publishAsync('command///req/r6/blink', '{}', { qos: 1 });
    await until('404', () => on(`command//${LAMP}/res/r3/404${JSON_BAG}`).length > 0);
    await until('400 schema', () => on(`command//${LAMP}/res/r4/400${JSON_BAG}`).length > 0);
    await until('400 json', () => on(`command//${LAMP}/res/r5/400${JSON_BAG}`).length > 0);
    assert.equal((JSON.parse(on(`command//${LAMP}/res/r4/400${JSON_BAG}`)[0]?.payload ?? '{}') as { error: { code: string } }).error.code, 'ROOST_ERR_VALUE_INVALID');
    const m = await metrics(gw);
    assert.match(m, /roost_uplink_downstream_total\{result="malformed"\} 1/);
    assert.match(m, /roost_uplink_downstream_total\{result="refused"\} 3/);
    assert.equal(dev.delivered.length, n);
  });

  it('a command for a sleeping device waits for its next wake, which a ttd notification announces, and is answered then', async () => {
    await command(SENSOR, 'r7', 'blink', JSON.stringify({ times: 1 }));
    await sleep(300);
    assert.equal(dev.delivered.filter((i) => i.thingId === SENSOR).length, 0, 'not delivered while asleep');
    assert.equal(on(`command//${SENSOR}/res/r7/200${JSON_BAG}`).length, 0, 'no response yet');
    const wokeAt = Date.now();
    dev.ctx?.awake(SENSOR, 5000);
    await until('delivered at the wake', () => dev.delivered.some((i) => i.thingId === SENSOR && i.name === 'blink'));
    await until('ttd 5', () => on(`event//${SENSOR}${TTD_BAG}5`).length > 0);
    await until('response', () => on(`command//${SENSOR}/res/r7/200${JSON_BAG}`).length > 0);
    assert.ok(Date.now() - wokeAt < 5000);
    // Activity inside the announced window announces nothing new.
    dev.ctx?.awake(SENSOR, 4500);
    await sleep(200);
    assert.equal(got.filter((m) => m.topic.startsWith(`event//${SENSOR}${TTD_BAG}`)).length, 1);
  });
});

describe('uplink profile hono: request-response commands across gateway restarts', () => {
  it('a command waiting for a sleeping device, and an answer the link did not take, are answered after a restart', async () => {
    const broker = await startMosquitto({ gateway: 'gateway-secret', app: 'app-secret' });
    // A persistent session: answers published while the application is away wait for it at the broker.
    const app = await mqtt.connectAsync(broker.url, { username: 'app', password: 'app-secret', clientId: 'hono-app-restart', clean: false, reconnectPeriod: 100 });
    const got: Msg[] = [];
    app.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos }));
    await app.subscribeAsync(['command//+/res/#', 'event/#'], { qos: 1 });
    const answered = (reqId: string) => got.some((m) => m.topic === `command//${SENSOR}/res/${reqId}/200${JSON_BAG}`);
    const dataDir = tempDir();
    const dev = new TestDeviceBinding('hono', [{ deviceId: 'lamp', sleepy: false }, { deviceId: 'sensor', sleepy: true }]);
    const start = async () => {
      const gw = await startTestGateway({
        uplink: { enabled: true, url: broker.url, username: 'gateway', password: 'gateway-secret', gatewayId: 'gw-h', profile: 'hono', reconnectMinMs: 100, reconnectMaxMs: 400 },
      }, { dataDir, extraBindings: [dev] });
      return gw;
    };
    const queued = (gw: TestGateway) => gw.hub.listActions(SENSOR, { limit: 10 }).filter((a) => a.state === 'queued').length;
    let gw: TestGateway | null = null;
    try {
      gw = await start();
      await until('connected (ttd -1)', () => got.some((m) => m.topic === `event//${LAMP}${TTD_BAG}-1`));
      await app.publishAsync(`command//${SENSOR}/req/r9/blink`, JSON.stringify({ times: 1 }), { qos: 1 });
      await until('r9 queued', () => queued(gw!) === 1);
      await gw.stop();

      gw = await start();
      dev.ctx?.awake(SENSOR, 5000);
      await until('r9 answered after the restart', () => answered('r9'));
      dev.ctx?.asleep(SENSOR);

      await app.publishAsync(`command//${SENSOR}/req/r10/blink`, JSON.stringify({ times: 2 }), { qos: 1 });
      await until('r10 queued', () => queued(gw!) === 1);
      await broker.stop();
      dev.ctx?.awake(SENSOR, 5000);
      await until('r10 completed with the link down', () => gw!.hub.listActions(SENSOR, { limit: 10 }).some((a) => a.state === 'completed' && (a.input as { times: number }).times === 2));
      await sleep(200);
      await gw.stop();

      gw = await start();
      await broker.start();
      await until('r10 answered after the restart and the reconnect', () => answered('r10'));
      assert.equal(got.filter((m) => m.topic.includes('/res/r9/')).length, 1, 'r9 answered once');
    } finally {
      await (gw as TestGateway | null)?.stop();
      await app.endAsync(true);
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
