import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { once } from 'node:events';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

const SAMPLE = [{ sensor_id: 1, timestamp: 1563279231000, value: 23.5 }, { sensor_id: 2, timestamp: 1563279232, value: 40 }];

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('TUM-style device ingest over MQTT and WebSocket', () => {
  let gw: TestGateway;
  let token: string;
  let admin: string;
  before(async () => {
    gw = await startTestGateway({ mqtt: { authCheckIntervalMs: 50 } });
    const login = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
    admin = ((await login.json()) as { token: string }).token;
    const res = await fetch(`${gw.httpUrl}/devices/gw-9/token`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(res.status, 200);
    token = ((await res.json()) as { token: string }).token;
  });
  after(() => gw.stop());

  it('MQTT: username JWT, the token as password, readings published to the device id; the PUBACK follows the commit', async () => {
    const c = await mqtt.connectAsync(gw.mqttUrl!, { username: 'JWT', password: token, reconnectPeriod: 0, clientId: 'gw-9-mqtt' });
    try {
      await c.publishAsync('gw-9', JSON.stringify(SAMPLE), { qos: 1 });
      // The PUBACK came after commit: the values are there at once.
      assert.deepEqual(gw.hub.readProperty('urn:roost:ingest:gw-9', '2'), { value: 40, ts: 1563279232000, source: 'ingest' });
      // Another device's topic, a thing topic, a subscription: refused, nothing stored.
      await c.publishAsync('gw-10', JSON.stringify(SAMPLE), { qos: 1 });
      await c.publishAsync('things/urn:roost:ingest:gw-9/property/1', '99', { qos: 1 });
      await c.publishAsync('gw-9', 'not json', { qos: 1 });
      // SUBACK 0x80 (MQTT 3.1.1 §3.9.3), which MQTT.js turns into an error.
      await assert.rejects(c.subscribeAsync('things/#', { qos: 1 }), /Subscribe error/);
      assert.equal(gw.hub.readProperty('urn:roost:ingest:gw-9', '1')?.value, 23.5);
      assert.equal(gw.hub.directory.find('urn:roost:ingest:gw-10'), undefined);
    } finally {
      await c.endAsync();
    }
  });

  it('MQTT: a bad token is refused at CONNECT; a revoked device is disconnected', async () => {
    await assert.rejects(mqtt.connectAsync(gw.mqttUrl!, { username: 'JWT', password: 'eyJhbGciOiJIUzI1NiJ9.e30.xxxx', reconnectPeriod: 0 }), /Not authorized|Bad username/i);
    const c = await mqtt.connectAsync(gw.mqttUrl!, { username: 'JWT', password: token, reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    const del = await fetch(`${gw.httpUrl}/devices/urn:roost:ingest:gw-9/credentials`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(del.status, 200);
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('not disconnected')), 5000))]);
    c.end(true);
    const res = await fetch(`${gw.httpUrl}/devices/gw-9/token`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    token = ((await res.json()) as { token: string }).token;
  });

  it('WebSocket: the token is checked on the upgrade (401/403), then each message is answered after commit', async () => {
    const wsUrl = gw.httpUrl!.replace('http', 'ws') + '/ingest';
    const statusOf = (headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { headers });
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.on('open', () => { ws.close(); reject(new Error('upgrade accepted')); });
      ws.on('error', () => undefined);
    });
    assert.equal(await statusOf({}), 401);
    assert.equal(await statusOf({ authorization: 'Token abc' }), 401);
    assert.equal(await statusOf({ authorization: 'Bearer abc.def.ghi' }), 403);
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
    await once(ws, 'open');
    const answers: unknown[] = [];
    ws.on('message', (d) => answers.push(JSON.parse(String(d))));
    ws.send(JSON.stringify({ sensor_id: 7, timestamp: 1563279300, value: 1 }));
    ws.send('[]');
    await waitFor('two answers', () => answers.length === 2);
    assert.deepEqual(answers[0], { status: 200, stored: 1 });
    assert.equal((answers[1] as { status: number }).status, 400);
    assert.equal(gw.hub.readProperty('urn:roost:ingest:gw-9', '7')?.value, 1);
    ws.close();
  });
});
