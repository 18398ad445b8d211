/**
 * The uplink with the gateway in a child process (`roost start`) and a sleepy CoAP device
 * (test/durability/sleepy-device.ts, an independent CoAP client) posting readings:
 * - mosquitto stopped, readings acknowledged to the device during the outage, the gateway killed
 *   with SIGKILL and started again on the same data dir, mosquitto started: every acknowledged
 *   reading goes up, in order (the backlog is the history table, committed before the ack);
 * - a command from upstream for the sleeping device waits in its queue (state `queued` upstream)
 *   and is delivered in the answer to its next wake, then `completed` upstream.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { Prng } from '../../../firmware-sim/fleet/prng.js';
import { GatewayChild } from '../../durability/gateway-child.js';
import { SleepyDevice, type DeviceTiming } from '../../durability/sleepy-device.js';
import { startMosquitto } from './mosquitto-broker.js';
import { until } from '../../helpers/until.js';
import { tempDir } from '../../helpers/temp-dir.js';

const EP = 'k9-sensor';
const THING = `urn:roost:coap:${EP}`;
const BASE = 'roost/gw5';
const FAST: DeviceTiming = { wakeMinMs: 80, wakeMaxMs: 150, listenMs: 0, updateShare: 0, nonShare: 0, resultLoss: 0 };


it('kill -9 during an outage keeps the backlog; a command for a sleeping device goes out at its next wake', async () => {
  const broker = await startMosquitto({ gateway: 'gw-secret', app: 'app-secret' });
  const dir = tempDir('roost-uplink-k9-');
  const gw = new GatewayChild({
    dir,
    config: {
      log: { level: 'info' },
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { enabled: false },
      auth: { adminPassword: 'k9-admin-password-1' },
      onboarding: { defaultPolicy: 'open' },
      bindings: { system: { enabled: false }, coap: { enabled: true, host: '127.0.0.1', port: 0, security: 'none', registrationsPerMinutePerAddress: 100000, awakeWindowMs: 100 } },
      uplink: { enabled: true, url: broker.url, username: 'gateway', password: 'gw-secret', gatewayId: 'gw5', reconnectMinMs: 100, reconnectMaxMs: 300 },
    },
  });
  let device: SleepyDevice | null = null;
  after(async () => {
    await device?.stop();
    await gw.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const readings: number[] = [];
  const states: string[] = [];
  const app = await mqtt.connectAsync(broker.url, { username: 'app', password: 'app-secret', clientId: 'k9-app', clean: false, reconnectPeriod: 200 });
  after(() => app.endAsync(true));
  app.on('message', (topic, payload) => {
    if (topic === `${BASE}/things/${THING}/property/temp`) readings.push(JSON.parse(payload.toString()) as number);
    if (topic === `${BASE}/things/${THING}/action/blink/state`) states.push((JSON.parse(payload.toString()) as { state: string }).state);
  });
  await app.subscribeAsync(`${BASE}/#`, { qos: 1 });

  await gw.start();
  const d = await SleepyDevice.create(EP, false, { port: () => gw.coapPort, ackTimeoutMs: 300, maxRetransmit: 3, separateTimeoutMs: 5000 }, new Prng('uplink-k9'), FAST, () => 0);
  device = d;
  await until('registration', () => d.register(), 15000);
  d.start();
  await until('readings upstream', () => readings.length > 5, 15000);

  await broker.stop();
  const ackedBefore = d.acked.length;
  await until('readings acknowledged during the outage', () => d.acked.length > ackedBefore + 30, 15000);
  await gw.kill9();
  const ackedAtKill = d.acked.length;
  await sleep(300);
  await gw.start();
  await until('readings after the restart', () => d.acked.length > ackedAtKill + 10, 15000);
  await broker.start();
  const acked = (): number[] => d.acked.map((a) => a.value);
  await until('every acknowledged reading upstream', () => { const up = new Set(readings); return acked().every((v) => up.has(v)); }, 20000);
  const seen = [...new Set(readings)];
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'order kept');

  // The device now sleeps ~1.5 s between wakes; the command waits for the next one.
  d.setTiming({ ...FAST, wakeMinMs: 1500, wakeMaxMs: 1600 });
  const wakes = d.counters.wakes;
  await until('a wake with the long timing', () => d.counters.wakes > wakes + 1, 10000);
  const sentAt = Date.now();
  await app.publishAsync(`${BASE}/things/${THING}/action/blink`, JSON.stringify({ seq: 42 }), { qos: 1 });
  await until('queued upstream', () => states.includes('queued'), 15000);
  assert.equal(d.executed.filter((x) => x.issue === 42).length, 0, 'not delivered while asleep');
  await until('delivered at the next wake', () => d.executed.some((x) => x.issue === 42), 5000);
  const delivery = d.executed.find((x) => x.issue === 42);
  assert.equal(delivery?.via, 'answer');
  assert.ok((delivery?.at ?? 0) - sentAt > 100, 'delivered at a wake, not at once');
  await until('completed upstream', () => states.includes('completed'), 10000);
});
