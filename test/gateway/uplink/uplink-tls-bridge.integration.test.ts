/**
 * The uplink over TLS to mosquitto (a CA and a server certificate made with openssl, a password
 * file too), with Home Assistant discovery upstream; and a second mosquitto bridged to the first
 * standing in for a cluster: an application on the second sees the gateway's tree, its request
 * reaches the device, and after the first broker is stopped and started again under load the
 * events arrive through the bridge, all of them, in order.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { startTestGateway } from '../../helpers/gateway.js';
import { startMosquitto } from './mosquitto-broker.js';
import { until } from '../../helpers/until.js';

const LAMP = 'urn:roost:tls:lamp';


/** A CA and a server certificate for 127.0.0.1 in dir. */
function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string): string => join(dir, n);
  const ssl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=roost test CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr'));
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1\\n' > ${f('ext.cnf')}`]);
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('server.pem'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

it('the uplink over TLS with a password: the tree and Home Assistant discovery upstream', async () => {
  // The broker's dir is made first (for the certificates), then it is started on them.
  const probe = await startMosquitto({});
  await probe.stop();
  const certs = makeCerts(probe.dir);
  const broker = await startMosquitto({ gateway: 'gw-secret', app: 'app-secret' }, [`cafile ${certs.ca}`, `certfile ${certs.cert}`, `keyfile ${certs.key}`]);
  after(() => probe.close());
  const url = `mqtts://127.0.0.1:${broker.port}`;
  const got: Array<{ topic: string; payload: string }> = [];
  const app = await mqtt.connectAsync(url, { username: 'app', password: 'app-secret', ca: readFileSync(certs.ca), clientId: 'tls-app', reconnectPeriod: 200 });
  app.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
  await app.subscribeAsync(['roost/gw3/#', 'homeassistant/#'], { qos: 1 });
  const dev = new TestDeviceBinding('tls', [{ deviceId: 'lamp', sleepy: false }]);
  const gw = await startTestGateway({
    uplink: { enabled: true, url, username: 'gateway', password: 'gw-secret', gatewayId: 'gw3', tls: { ca: certs.ca }, homeAssistantDiscovery: true, reconnectMinMs: 100, reconnectMaxMs: 300 },
  }, { extraBindings: [dev] });
  try {
    await until('online over TLS', () => got.some((m) => m.topic === 'roost/gw3/availability' && m.payload === 'online'));
    dev.ctx?.emitEvent(LAMP, 'button', 'over-tls');
    await until('event', () => got.some((m) => m.topic === `roost/gw3/things/${LAMP}/event/button` && m.payload === '"over-tls"'));
    const topic = 'homeassistant/sensor/gw3_urn_roost_tls_lamp/property_temperature/config';
    await until('discovery upstream', () => got.some((m) => m.topic === topic));
    const cfg = JSON.parse(got.find((m) => m.topic === topic)?.payload ?? '{}') as Record<string, unknown>;
    assert.equal(cfg['state_topic'], `roost/gw3/things/${LAMP}/property/temperature`);
    assert.deepEqual((cfg['availability'] as Array<{ topic: string }>).map((a) => a.topic), [`roost/gw3/things/${LAMP}/availability`, 'roost/gw3/availability']);
    assert.equal((cfg['device'] as Record<string, unknown>)['via_device'], 'gw3_urn:roost:system:gateway');
  } finally {
    await gw.stop();
    await app.endAsync(true);
    await broker.close();
  }
});

it('a second mosquitto bridged to the first: requests down, events up through the bridge, an outage of the first loses nothing', async () => {
  const first = await startMosquitto({ gateway: 'gw-secret', bridge: 'bridge-secret' });
  // mosquitto.conf of the second, bridge section (mosquitto.conf(5) "Bridges").
  const bridged = await startMosquitto({ app: 'app-secret' }, [
    'connection to-first', `address 127.0.0.1:${first.port}`, 'remote_username bridge', 'remote_password bridge-secret',
    'cleansession false', 'restart_timeout 1 2', 'topic roost/# both 1',
  ]);
  const events: string[] = [];
  const app = await mqtt.connectAsync(bridged.url, { username: 'app', password: 'app-secret', clientId: 'bridge-app', clean: false, reconnectPeriod: 200 });
  app.on('message', (topic, payload) => { if (topic.endsWith('/event/button')) events.push(JSON.parse(payload.toString()) as string); });
  await app.subscribeAsync('roost/gw4/#', { qos: 1 });
  const dev = new TestDeviceBinding('tls', [{ deviceId: 'lamp', sleepy: false }]);
  const gw = await startTestGateway({
    uplink: { enabled: true, url: first.url, username: 'gateway', password: 'gw-secret', gatewayId: 'gw4', reconnectMinMs: 100, reconnectMaxMs: 300 },
  }, { extraBindings: [dev] });
  try {
    for (let end = Date.now() + 10000; !events.includes('warm-up') && Date.now() < end;) {
      dev.ctx?.emitEvent(LAMP, 'button', 'warm-up');
      await sleep(200);
    }
    assert.ok(events.includes('warm-up'), 'an event through the bridge');
    await app.publishAsync(`roost/gw4/things/${LAMP}/action/blink`, JSON.stringify({ times: 1 }), { qos: 1 });
    await until('request through the bridge', () => dev.delivered.some((i) => i.name === 'blink'));
    const N = 300;
    const load = (async () => {
      for (let i = 0; i < N; i++) {
        dev.ctx?.emitEvent(LAMP, 'button', `n${i}`);
        if (i % 10 === 9) await sleep(10);
      }
    })();
    await sleep(100);
    await first.stop();
    await sleep(700);
    await first.start();
    await load;
    const seq = (): number[] => [...new Set(events.filter((s) => s.startsWith('n')))].map((s) => Number(s.slice(1)));
    await until('every event through the bridge', () => seq().length === N, 20000);
    assert.deepEqual(seq(), [...seq()].sort((a, b) => a - b));
  } finally {
    await gw.stop();
    await app.endAsync(true);
    await bridged.close();
    await first.close();
  }
});
