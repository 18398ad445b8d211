/** The broker's limits come from the config file (mqtt.*): a gateway started with them obeys them. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { resolveConfig } from '../../../gateway/config/config.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';

/** Opens a TCP connection that never sends CONNECT; resolves with how long the broker kept it. */
function silentConnection(url: string, giveUpMs: number): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const socket = connect(Number(port), hostname);
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`still open after ${giveUpMs} ms`)); }, giveUpMs);
    socket.on('error', () => undefined);
    socket.on('close', () => { clearTimeout(timer); resolve(Date.now() - t0); });
  });
}

describe('mqtt limits from the config', () => {
  const gateways: TestGateway[] = [];
  after(async () => { for (const g of gateways) await g.stop(); });

  it('have the documented defaults and refuse a queue below 16 KiB', () => {
    const { mqtt } = resolveConfig({});
    assert.equal(mqtt.maxQueuedBytesPerClient, 1048576);
    assert.equal(mqtt.drainTimeoutMs, 10000);
    assert.equal(mqtt.connectTimeoutMs, 10000);
    assert.throws(() => resolveConfig({ mqtt: { maxQueuedBytesPerClient: 1000 } }), /\/mqtt\/maxQueuedBytesPerClient: must be >= 16384/);
  });

  it('mqtt.connectTimeoutMs closes a connection that sends no CONNECT', async () => {
    const gw = await startTestGateway({ mqtt: { connectTimeoutMs: 300 } });
    gateways.push(gw);
    const keptMs = await silentConnection(gw.mqttUrl!, 5000);
    assert.ok(keptMs >= 250 && keptMs < 3000, `closed after ${keptMs} ms`);
  });
});

describe('mqtt.maxStoredSessionsPerUser through the broker', () => {
  let gw: TestGateway;
  after(async () => { await gw?.stop(); });

  /** CONNECT as admin with this client id; resolves with the CONNACK's return code (0: accepted). */
  async function connackOf(url: string, clientId: string, clean: boolean): Promise<number> {
    const client = mqtt.connect(url, { clientId, clean, username: 'admin', password: TEST_ADMIN_PASSWORD, reconnectPeriod: 0, connectTimeout: 10_000 });
    const code = await new Promise<number>((resolve, reject) => {
      client.once('connect', () => resolve(0));
      client.once('error', (err: Error & { code?: number }) => (typeof err.code === 'number' ? resolve(err.code) : reject(err)));
    });
    await client.endAsync();
    return code;
  }

  it('refuses one stored session more than the bound with return code 2, counted; a clean CONNECT with a stored id frees its place', async () => {
    gw = await startTestGateway({ mqtt: { maxStoredSessionsPerUser: 2 } });
    const url = gw.mqttUrl!;
    assert.equal(await connackOf(url, 'keep-1', false), 0);
    assert.equal(await connackOf(url, 'keep-2', false), 0);
    // Both sessions outlive their connections; a third client id would be one too many.
    assert.equal(await connackOf(url, 'keep-3', false), 2);
    // The same id again is its own session, not one more.
    assert.equal(await connackOf(url, 'keep-1', false), 0);
    // Clean Session 1 with a stored id ends that session (MQTT 3.1.1 §3.1.2.4): there is room again.
    assert.equal(await connackOf(url, 'keep-2', true), 0);
    assert.equal(await connackOf(url, 'keep-3', false), 0);
    const res = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
    const { token } = await res.json() as { token: string };
    const metrics = await (await fetch(`${gw.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.match(metrics, /^roost_mqtt_sessions_refused_total 1$/m);
  });
});
