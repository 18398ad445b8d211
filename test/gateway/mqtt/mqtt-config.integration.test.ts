/** The broker's limits come from the config file (mqtt.*): a gateway started with them obeys them. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../../gateway/config/config.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

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
