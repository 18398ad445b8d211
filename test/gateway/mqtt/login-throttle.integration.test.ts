import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect as netConnect } from 'node:net';
import { after, describe, it } from 'node:test';
import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import { TEST_ADMIN_PASSWORD, startTestGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { addUser } from './mqtt-rig.js';

const OTHER_SOURCE = '127.0.0.2';

/**
 * CONNECT from `localAddress` (the mqtt client's own TCP connector ignores that option); resolves
 * with the connected client or with the CONNACK return code of a refusal.
 */
function connectFrom(url: string, localAddress: string, opts: IClientOptions): Promise<MqttClient | number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const client = new MqttClient(() => netConnect({ host: hostname, port: Number(port), localAddress }), { reconnectPeriod: 0, connectTimeout: 10_000, ...opts });
    client.once('connect', () => resolve(client));
    client.once('error', (err: Error & { code?: unknown }) => {
      client.end(true);
      if (typeof err.code === 'number') resolve(err.code);
      else reject(err);
    });
  });
}

async function refusal(url: string, localAddress: string, opts: IClientOptions): Promise<number> {
  const r = await connectFrom(url, localAddress, opts);
  if (typeof r === 'number') return r;
  await r.endAsync();
  throw new Error('connect was accepted');
}

/** POST /auth/token from `localAddress`; resolves with the HTTP status. */
function tokenStatus(httpUrl: string, localAddress: string, username: string, password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${httpUrl}/auth/token`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(JSON.stringify({ username, password }));
  });
}

describe('MQTT and HTTP login throttling against a running gateway', () => {
  const gateways: TestGateway[] = [];
  const clients: MqttClient[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    for (const gw of gateways) await gw.stop();
  });

  it('200 clients with the right passwords connecting at once after a restart all get CONNACK 0', async () => {
    const dataDir = tempDir();
    const first = await startTestGateway({}, { dataDir });
    const users = Array.from({ length: 20 }, (_, i) => ({ username: `dev${i}`, password: `device-pass-${i}` }));
    for (const u of users) await addUser(first, u.username, u.password, 'operator');
    await first.stop();

    const gw = await startTestGateway({}, { dataDir });
    gateways.push(gw);
    const t0 = Date.now();
    // Ten clients per user, 20 users: more distinct password checks than run at once, and repeats.
    const results = await Promise.allSettled(Array.from({ length: 200 }, async (_, i) => {
      const u = users[i % users.length] as { username: string; password: string };
      const c = await mqtt.connectAsync(gw.mqttUrl as string, { clientId: `reconnect-${i}`, username: u.username, password: u.password, reconnectPeriod: 0, connectTimeout: 60_000 });
      clients.push(c);
      return Date.now() - t0;
    }));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failed, [], `${failed.length} of 200 refused`);
    const lastMs = Math.max(...results.map((r) => (r as PromiseFulfilledResult<number>).value));
    console.log(`# 200 MQTT clients (20 users) connected after a restart in ${lastMs} ms`);
    assert.ok(lastMs < 30_000, `took ${lastMs} ms`);
  });

  it(`wrong passwords for admin from ${OTHER_SOURCE} do not lock admin out from 127.0.0.1; a spray across usernames slows that source only`, async () => {
    const gw = await startTestGateway();
    gateways.push(gw);
    const url = gw.mqttUrl as string;
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push(await refusal(url, OTHER_SOURCE, { username: 'admin', password: `wrong-${i}` }));
    // Five free failures (CONNACK 4, bad user name or password), then RATE_LIMITED (CONNACK 3).
    assert.deepEqual(codes, [4, 4, 4, 4, 4, 3, 3, 3]);
    assert.equal(await refusal(url, OTHER_SOURCE, { username: 'admin', password: TEST_ADMIN_PASSWORD }), 3);
    assert.equal(await tokenStatus(gw.httpUrl as string, OTHER_SOURCE, 'admin', TEST_ADMIN_PASSWORD), 429);
    const admin = await connectFrom(url, '127.0.0.1', { username: 'admin', password: TEST_ADMIN_PASSWORD });
    assert.ok(admin instanceof MqttClient, `admin from 127.0.0.1 refused with CONNACK ${String(admin)}`);
    clients.push(admin);
    assert.equal(await tokenStatus(gw.httpUrl as string, '127.0.0.1', 'admin', TEST_ADMIN_PASSWORD), 200);

    // A spray: one wrong password per username. The source has 5 failures already; 20 are free.
    const spray: number[] = [];
    for (let i = 0; i < 16; i++) {
      spray.push(i % 2 === 0
        ? await refusal(url, OTHER_SOURCE, { username: `user${i}`, password: 'password-1' })
        : await tokenStatus(gw.httpUrl as string, OTHER_SOURCE, `user${i}`, 'password-1'));
    }
    assert.deepEqual(spray, [...Array.from({ length: 15 }, (_, i) => (i % 2 === 0 ? 4 : 401)), 429]);
    assert.equal(await tokenStatus(gw.httpUrl as string, '127.0.0.1', 'admin', TEST_ADMIN_PASSWORD), 200, 'another source is not slowed');
    const { token } = await (await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) })).json() as { token: string };
    const metrics = await (await fetch(`${gw.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    // Refused without a check: MQTT 3 x + 1 x admin, HTTP 1 x admin; then the spray's last.
    assert.match(metrics, /^roost_login_refused_total\{reason="user-source-failures"\} 5$/m);
    assert.match(metrics, /^roost_login_refused_total\{reason="source-failures"\} 1$/m);
  });
});
