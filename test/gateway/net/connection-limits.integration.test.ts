/**
 * The connection bounds from the config (http.maxConnections*, mqtt.maxConnections*): a gateway
 * started with them resets what is over them, keeps serving everybody else, and says so in /metrics.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { resolveConfig } from '../../../gateway/config/config.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { until } from '../../helpers/until.js';

const OTHER_SOURCE = '127.0.0.2';

/** A TCP connection from `localAddress` that sends nothing; resolves once connected or ended, with how it ended. */
function idle(url: string, localAddress = '127.0.0.1'): Promise<{ socket: Socket; ended: Promise<string> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress });
    const ended = new Promise<string>((r) => {
      socket.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? e.message));
      socket.on('close', () => r('closed'));
    });
    socket.once('connect', () => resolve({ socket, ended }));
    socket.once('error', () => resolve({ socket, ended }));
  });
}

async function metrics(gw: TestGateway): Promise<string> {
  const res = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
  const { token } = await res.json() as { token: string };
  return (await fetch(`${gw.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
}

describe('connection bounds', () => {
  const gateways: TestGateway[] = [];
  const sockets: Socket[] = [];
  after(async () => {
    for (const s of sockets) s.destroy();
    for (const g of gateways) await g.stop();
  });

  it('have the documented defaults', () => {
    const { http, mqtt: m } = resolveConfig({});
    assert.deepEqual([http.maxConnections, http.maxConnectionsPerSource, m.maxConnections, m.maxConnectionsPerSource], [1024, 128, 4096, 1024]);
  });

  it('http.maxConnectionsPerSource: one source holding its share is reset beyond it, another source is served', async () => {
    const gw = await startTestGateway({ http: { maxConnectionsPerSource: 3 } });
    gateways.push(gw);
    const held = await Promise.all([idle(gw.httpUrl!), idle(gw.httpUrl!), idle(gw.httpUrl!)]);
    sockets.push(...held.map((h) => h.socket));
    const over = await idle(gw.httpUrl!);
    assert.equal(await over.ended, 'ECONNRESET');
    // Another address on the same box is a different source: its request is answered.
    const other = await new Promise<number>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: Number(new URL(gw.httpUrl!).port), localAddress: OTHER_SOURCE }, () => s.write('GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'));
      let text = '';
      s.on('data', (d: Buffer) => { text += d.toString(); });
      s.on('error', reject);
      s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
    });
    assert.equal(other, 200);
    for (const h of held) h.socket.destroy();
    // Once the server has seen them close, 127.0.0.1 is served again.
    const text = await until('the held connections to close', () => metrics(gw).catch(() => null));
    assert.match(text, /^roost_connections_open\{service="http"\} [1-3]$/m);
    // The one above, and any poll of until() that came before the server saw the closes.
    assert.match(text, /^roost_connections_refused_total\{service="http",reason="per-source"\} [1-9]\d*$/m);
    assert.match(text, /^roost_connections_refused_total\{service="http",reason="total"\} 0$/m);
  });

  it('mqtt.maxConnections: connections beyond it are reset before CONNECT; a slot freed is taken again', async () => {
    const gw = await startTestGateway({ mqtt: { maxConnections: 2, connectTimeoutMs: 60000 } });
    gateways.push(gw);
    const a = await idle(gw.mqttUrl!);
    const b = await idle(gw.mqttUrl!, OTHER_SOURCE);
    sockets.push(a.socket, b.socket);
    const over = await idle(gw.mqttUrl!, OTHER_SOURCE);
    assert.equal(await over.ended, 'ECONNRESET');
    a.socket.destroy();
    await until('the slot to come back', async () => /^roost_connections_open\{service="mqtt"\} 1$/m.test(await metrics(gw)));
    const client = await mqtt.connectAsync(gw.mqttUrl!, { username: 'admin', password: TEST_ADMIN_PASSWORD, reconnectPeriod: 0 });
    await client.endAsync();
    const text = await metrics(gw);
    assert.match(text, /^roost_connections_refused_total\{service="mqtt",reason="total"\} 1$/m);
  });
});
