/**
 * The backlog survives a gateway restart: events recorded while mosquitto is down, the gateway
 * stopped and started again on the same data dir, then the broker back: every event goes up.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway, tempDir } from '../../helpers/gateway.js';
import { startMosquitto } from './mosquitto-broker.js';

const LAMP = 'urn:roost:up:lamp';

it('events recorded during an outage are replayed after a gateway restart', async () => {
  const broker = await startMosquitto({ gateway: 'gw-secret', app: 'app-secret' });
  const dataDir = tempDir();
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const got: string[] = [];
  const watcher = await mqtt.connectAsync(broker.url, { username: 'app', password: 'app-secret', clientId: 'w2', clean: false, reconnectPeriod: 200 });
  watcher.on('message', (topic, payload) => { if (topic.endsWith('/event/button')) got.push(JSON.parse(payload.toString()) as string); });
  await watcher.subscribeAsync('roost/gw2/#', { qos: 1 });
  const config = { uplink: { enabled: true, url: broker.url, username: 'gateway', password: 'gw-secret', gatewayId: 'gw2', reconnectMinMs: 100, reconnectMaxMs: 300 } };
  const dev1 = new TestDeviceBinding('up', [{ deviceId: 'lamp', sleepy: false }]);
  let gw = await startTestGateway(config, { extraBindings: [dev1], dataDir });
  for (let end = Date.now() + 5000; got.length === 0 && Date.now() < end;) {
    dev1.ctx?.emitEvent(LAMP, 'button', 'warm-up');
    await sleep(100);
  }
  await broker.stop();
  await sleep(300);
  for (let i = 0; i < 200; i++) dev1.ctx?.emitEvent(LAMP, 'button', `n${i}`);
  await dev1.ctx?.committed();
  await gw.stop();
  const dev2 = new TestDeviceBinding('up', [{ deviceId: 'lamp', sleepy: false }]);
  gw = await startTestGateway(config, { extraBindings: [dev2], dataDir });
  await broker.start();
  for (let end = Date.now() + 20000; new Set(got.filter((s) => s.startsWith('n'))).size < 200 && Date.now() < end;) await sleep(50);
  const seq = [...new Set(got.filter((s) => s.startsWith('n')))].map((s) => Number(s.slice(1)));
  assert.equal(seq.length, 200);
  assert.deepEqual(seq, [...seq].sort((a, b) => a - b));
  await gw.stop();
  await watcher.endAsync(true);
  await broker.close();
});
