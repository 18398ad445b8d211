/**
 * The uplink against a real broker (Debian's mosquitto, password file): the topic tree upstream,
 * requests coming down into the action queue, malformed and unauthorised requests counted, and
 * store-and-forward across a broker outage under load with zero loss and order kept per thing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startMosquitto, type Mosquitto } from './mosquitto-broker.js';
import { adminToken as token, metrics, until } from './uplink-rig.js';

const BASE = 'roost/gw1';
const LAMP = 'urn:roost:up:lamp';
const OTHER = 'urn:roost:up:other';

interface Msg { topic: string; payload: string; retain: boolean }

describe('uplink to mosquitto', () => {
  let broker: Mosquitto;
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let watcher: MqttClient;
  const got: Msg[] = [];
  const on = (topic: string): Msg[] => got.filter((m) => m.topic === topic);

  before(async () => {
    broker = await startMosquitto({ gateway: 'gateway-secret', app: 'app-secret' });
    watcher = await mqtt.connectAsync(broker.url, { username: 'app', password: 'app-secret', clientId: 'watcher', clean: false, reconnectPeriod: 200 });
    watcher.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await watcher.subscribeAsync(`${BASE}/#`, { qos: 1 });
    dev = new TestDeviceBinding('up', [{ deviceId: 'lamp', sleepy: false }, { deviceId: 'other', sleepy: false }]);
    gw = await startTestGateway({
      uplink: { enabled: true, url: broker.url, username: 'gateway', password: 'gateway-secret', gatewayId: 'gw1', reconnectMinMs: 100, reconnectMaxMs: 400 },
    }, { extraBindings: [dev] });
  });

  after(async () => {
    await gw.stop();
    await watcher.endAsync(true);
    await broker.close();
  });

  it('publishes the gateway availability, TDs, availability, property values and events under prefix/gatewayId', async () => {
    await until('gateway online', () => on(`${BASE}/availability`).some((m) => m.payload === 'online'));
    await until('TD', () => on(`${BASE}/things/${LAMP}/td`).length > 0);
    assert.equal((JSON.parse(on(`${BASE}/things/${LAMP}/td`)[0]?.payload ?? '{}') as { id: string }).id, LAMP);
    await until('availability', () => on(`${BASE}/things/${LAMP}/availability`).some((m) => m.payload === 'online'));
    dev.ctx?.reportProperties(LAMP, { temperature: 21.5 });
    dev.ctx?.emitEvent(LAMP, 'button', 'pressed');
    await until('property', () => on(`${BASE}/things/${LAMP}/property/temperature`).some((m) => m.payload === '21.5'));
    await until('event', () => on(`${BASE}/things/${LAMP}/event/button`).some((m) => m.payload === '"pressed"'));
  });

  it('an action request from upstream goes through the queue; its states and reply come back up', async () => {
    const app = watcher;
    await app.publishAsync(`${BASE}/things/${LAMP}/action/blink`, JSON.stringify({ input: { times: 2 }, responseTopic: 'replies/uplink/1', correlationData: 'c1' }), { qos: 1 });
    await until('delivered to the device', () => dev.delivered.some((i) => i.name === 'blink'));
    await until('reply', () => on(`${BASE}/replies/uplink/1`).length > 0);
    const reply = JSON.parse(on(`${BASE}/replies/uplink/1`)[0]?.payload ?? '{}') as { correlationData: string; state: string };
    assert.equal(reply.correlationData, 'c1');
    assert.equal(reply.state, 'completed');
    await until('action state', () => on(`${BASE}/things/${LAMP}/action/blink/state`).some((m) => (JSON.parse(m.payload) as { state: string }).state === 'completed'));
    await app.publishAsync(`${BASE}/things/${LAMP}/property/brightness/set`, '40', { qos: 1 });
    await until('write delivered', () => dev.delivered.some((i) => i.kind === 'write' && i.name === 'brightness'));
  });

  it('a malformed or unauthorised request is refused and counted', async () => {
    const before = dev.delivered.length;
    await watcher.publishAsync(`${BASE}/things/${LAMP}/action/blink`, '{not json', { qos: 1 });
    await watcher.publishAsync(`${BASE}/things/${LAMP}/action/blink`, JSON.stringify({ input: { times: 1 }, responseTopic: 'replies/someone-else/1' }), { qos: 1 });
    await watcher.publishAsync(`${BASE}/things/${LAMP}/action/blink`, JSON.stringify({ input: { times: 'x' }, responseTopic: 'replies/uplink/2', correlationData: 'c2' }), { qos: 1 });
    await until('error reply', () => on(`${BASE}/replies/uplink/2`).length > 0);
    const err = JSON.parse(on(`${BASE}/replies/uplink/2`)[0]?.payload ?? '{}') as { error: { code: string } };
    assert.equal(err.error.code, 'ROOST_ERR_VALUE_INVALID');
    const m = await metrics(gw, await token(gw));
    assert.match(m, /roost_uplink_downstream_total\{result="refused"\} 2/);
    assert.match(m, /roost_uplink_downstream_total\{result="denied"\} 1/);
    assert.equal(dev.delivered.length, before);
  });

  it('a broker outage under load loses nothing and keeps the order per thing', async () => {
    const N = 600;
    let i = 0;
    const emit = async (): Promise<void> => {
      for (; i < N; i++) {
        dev.ctx?.emitEvent(i % 2 === 0 ? LAMP : OTHER, 'button', `n${i}`);
        if (i % 10 === 9) await sleep(10);
      }
    };
    const load = emit();
    await sleep(150);
    await broker.stop();
    const t = await token(gw);
    for (let k = 0; k < 100 && !/roost_uplink_connected 0/.test(await metrics(gw, t)); k++) await sleep(50);
    assert.match(await metrics(gw, t), /roost_uplink_connected 0/);
    assert.match(await metrics(gw, t), /roost_uplink_backlog_messages [1-9]/);
    await sleep(800);
    await broker.start();
    await load;
    const events = (id: string): string[] => on(`${BASE}/things/${id}/event/button`).map((m) => JSON.parse(m.payload) as string).filter((s) => s.startsWith('n'));
    await until('every event upstream', () => new Set([...events(LAMP), ...events(OTHER)]).size === N, 30000);
    for (const id of [LAMP, OTHER]) {
      const seq = [...new Set(events(id))].map((s) => Number(s.slice(1)));
      const sorted = [...seq].sort((a, b) => a - b);
      assert.deepEqual(seq, sorted, `order of ${id}`);
    }
  });
});
