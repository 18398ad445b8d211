/**
 * Firmware campaigns end to end (docs/api.md "Firmware campaigns"): an admin uploads an image over
 * HTTP, starts a campaign with concurrency 1 over two Queue Mode LwM2M devices (firmware-sim over
 * UDP) chosen by model and version, the gateway restarts on the same ports while the first device
 * installs, and the campaign resumes: the first device's result is recorded and the second device
 * is updated after it. A bad image fails a device with its Update Result code.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CoapBinding } from '../../../bindings/coap/coap-binding.js';
import { Lwm2mClient, simFirmwarePackage } from '../../../firmware-sim/lwm2m/index.js';
import { ApiClient } from '../../helpers/api-client.js';
import { startTestGateway, tempDir, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

/** The gateway's awake window after a device's uplink. */
const AWAKE_MS = 500;
/**
 * The devices stay awake longer than the gateway assumes, as a real Queue Mode device must (it
 * waits MAX_TRANSMIT_WAIT after its last message): gateway, devices and test share one event loop
 * here, and a stall of that loop on a busy machine must not put a device to sleep mid-exchange.
 * A device seen asleep is also past the gateway's window.
 */
const DEVICE_AWAKE_MS = 2000;

interface Item { thingId: string; state: string; step: string | null; result: number | null; error: string | null; oldVersion: string | null; newVersion: string | null; actionId: string | null }
interface CampaignView { id: string; state: string; counts: Record<string, number>; items: Item[] }

async function until<T>(what: string | (() => string), get: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 15000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}: ${JSON.stringify(v)}`);
    await sleep(50);
  }
}

function config(coapPort: number, httpPort = 0): Record<string, unknown> {
  return {
    http: { port: httpPort },
    bindings: { coap: { enabled: true, host: '127.0.0.1', port: coapPort, ackTimeoutMs: 200, expirySweepMs: 50, security: 'none', lwm2mAwakeWindowMs: AWAKE_MS, lwm2mFirmwarePollMs: 50, lwm2mMaxPackageBytes: 8192 } },
    queue: { resultTimeoutMs: 60000 },
    onboarding: { defaultPolicy: 'open' },
  };
}

async function tokenOf(gw: TestGateway, username = 'admin', password = TEST_ADMIN_PASSWORD): Promise<string> {
  const r = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return ((await r.json()) as { token: string }).token;
}

async function upload(gw: TestGateway, token: string, body: Buffer, query: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${gw.httpUrl}/firmware?${query}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('firmware campaigns', { timeout: 90_000 }, () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('uploads an image, updates two sleepy devices one at a time, and resumes across a gateway restart', async () => {
    let gw = await startTestGateway(config(0), { dataDir: dir });
    const coapPort = (gw.binding('coap') as CoapBinding).listening!.port;
    const httpPort = Number(new URL(gw.httpUrl!).port);
    const client = (n: number, updateMs: number) => new Lwm2mClient({
      server: { host: '127.0.0.1', port: coapPort }, endpoint: `urn:uuid:5f3a1c8e-0000-4000-8000-0000000fwc0${n}`, queueMode: true,
      awakeMs: DEVICE_AWAKE_MS, ackTimeoutMs: 300, lifetimeS: 600, updateMs,
    });
    const a = client(1, 1500);
    const b = client(2, 100);
    const thingA = 'urn:roost:coap:urn:uuid:5f3a1c8e-0000-4000-8000-0000000fwc01';
    const thingB = 'urn:roost:coap:urn:uuid:5f3a1c8e-0000-4000-8000-0000000fwc02';
    try {
      for (const c of [a, b]) {
        await c.register();
        // Model and version reach the twin with a Send: what a campaign's filter matches.
        assert.equal(await c.send(['/3/0/1', '/3/0/3']), '2.04');
      }
      let api = await ApiClient.login(gw.httpUrl!);
      const pkg = simFirmwarePackage('2.0.0', 3000);

      // Upload: refused above lwm2mMaxPackageBytes, stored atomically otherwise.
      const big = await upload(gw, await tokenOf(gw), Buffer.alloc(9000, 1), 'name=sim&version=9');
      assert.equal(big.status, 413, JSON.stringify(big.body));
      const up = await upload(gw, await tokenOf(gw), pkg, 'name=sim%20sensor&version=2.0.0');
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const image = up.body as { id: string; size: number; sha256: string; version: string };
      assert.equal(image.size, pkg.length);
      assert.equal(image.sha256, createHash('sha256').update(pkg).digest('hex'));
      assert.deepEqual(readFileSync(join(dir, 'firmware', image.id)), pkg);
      assert.deepEqual(readdirSync(join(dir, 'firmware')).filter((f) => f.startsWith('.')), [], 'no temporary file left');
      assert.equal((await api.send<unknown[]>('GET', '/firmware')).body.length, 1);

      // Both devices sleep (so the gateway's awake window is over too): their items wait for a wake.
      await until('A and B asleep', () => a.asleep && b.asleep, (x) => x);
      // Both devices match model and version; concurrency 1: one runs, one waits.
      const bad = await api.send('POST', '/campaigns', { firmwareId: image.id, mode: 'push', concurrency: 1 });
      assert.equal(bad.status, 400, 'targets or filter');
      const created = await api.send<CampaignView>('POST', '/campaigns', { firmwareId: image.id, mode: 'push', concurrency: 1, filter: { model: 'firmware-sim lwm2m', firmwareVersion: '1.0.0' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id;
      const view = async () => (await api.send<CampaignView>('GET', `/campaigns/${id}`)).body;
      let v = await view();
      assert.deepEqual(v.items.map((i) => [i.thingId, i.state]), [[thingA, 'running'], [thingB, 'waiting']]);
      assert.equal((await api.send('DELETE', `/firmware/${image.id}`)).status, 409, 'in use by a running campaign');

      // A wakes: pushed, Downloaded, executed; it installs for 1.5 s. The gateway restarts meanwhile.
      assert.equal((await view()).items[0]?.step, null, 'nothing reached A yet: it sleeps');
      assert.equal(await a.update(), '2.04');
      v = await until(() => `A updating (requests A dropped asleep: ${a.peer.droppedWhileAsleep})`, view, (x) => x.items[0]?.step === 'updating');
      assert.equal(v.items[1]?.state, 'waiting', 'B waits while A runs');
      await gw.stop();
      gw = await startTestGateway(config(coapPort, httpPort), { dataDir: dir });
      api = await ApiClient.login(gw.httpUrl!);

      // A's installed Update reaches the new gateway; A succeeds, then B starts.
      v = await until('B running', view, (x) => x.items[1]?.state === 'running');
      assert.equal(v.items[0]?.state, 'succeeded', JSON.stringify(v.items[0]));
      assert.deepEqual([v.items[0]?.result, v.items[0]?.oldVersion, v.items[0]?.newVersion], [1, '1.0.0', '2.0.0']);
      await until('B asleep', () => b.asleep, (x) => x);
      assert.equal(await b.update(), '2.04');
      v = await until(() => `campaign completed (requests B dropped asleep: ${b.peer.droppedWhileAsleep})`, view, (x) => x.state === 'completed');
      assert.deepEqual(v.items.map((i) => [i.state, i.result, i.newVersion]), [['succeeded', 1, '2.0.0'], ['succeeded', 1, '2.0.0']]);
      assert.deepEqual(v.counts, { waiting: 0, running: 0, succeeded: 2, failed: 0, cancelled: 0 });
      assert.equal(a.store.get('/3/0/3'), '2.0.0');
      assert.equal(b.store.get('/3/0/3'), '2.0.0');
      const list = (await api.send<CampaignView[]>('GET', '/campaigns')).body;
      assert.deepEqual(list.map((c) => [c.id, c.state]), [[id, 'completed']]);

      assert.equal((await api.send('DELETE', `/firmware/${image.id}`)).status, 204);
      assert.equal(existsSync(join(dir, 'firmware', image.id)), false);
      assert.equal((await api.send('GET', `/firmware/${image.id}`)).status, 404);
    } finally {
      a.close();
      b.close();
      await gw.stop();
    }
  });

  it('a device that refuses the package fails with its Update Result code; a viewer may read but not start', async () => {
    const gw = await startTestGateway(config(0));
    const coapPort = (gw.binding('coap') as CoapBinding).listening!.port;
    const ep = 'urn:imei:356938035643888';
    const c = new Lwm2mClient({ server: { host: '127.0.0.1', port: coapPort }, endpoint: ep, queueMode: false, ackTimeoutMs: 300, lifetimeS: 600, updateMs: 50 });
    try {
      await c.register();
      const api = await ApiClient.login(gw.httpUrl!);
      assert.equal((await api.send('POST', '/users', { username: 'watcher', password: 'viewer-pass-1', role: 'viewer' })).status, 201);
      const viewer = await ApiClient.login(gw.httpUrl!, 'watcher', 'viewer-pass-1');
      assert.equal((await upload(gw, await tokenOf(gw, 'watcher', 'viewer-pass-1'), Buffer.from('x'), 'name=x&version=1')).status, 403);
      const up = await upload(gw, await tokenOf(gw), Buffer.from('not a firmware image'), 'name=garbage&version=0');
      assert.equal(up.status, 201);
      const firmwareId = String(up.body['id']);
      assert.equal((await viewer.send('POST', '/campaigns', { firmwareId, mode: 'push', concurrency: 1, targets: [`urn:roost:coap:${ep}`] })).status, 403);
      const noFw = await api.send('POST', '/campaigns', { firmwareId, mode: 'push', concurrency: 1, targets: ['urn:roost:system:gateway'] });
      assert.equal(noFw.status, 400, 'a thing without firmware_update');
      const created = await api.send<CampaignView>('POST', '/campaigns', { firmwareId, mode: 'push', concurrency: 2, targets: [`urn:roost:coap:${ep}`] });
      assert.equal(created.status, 201);
      const v = await until('completed', async () => (await viewer.send<CampaignView>('GET', `/campaigns/${created.body.id}`)).body, (x) => x.state === 'completed');
      assert.equal(v.items[0]?.state, 'failed');
      assert.equal(v.items[0]?.result, 6);
      assert.match(v.items[0]?.error ?? '', /Update Result 6 \(unsupported package type\)/);
      assert.equal((await api.send('POST', `/campaigns/${created.body.id}/cancel`)).status, 409, 'already over');
    } finally {
      c.close();
      await gw.stop();
    }
  });

  it('cancel: waiting devices are not started, an item still queued for a sleeping device is cancelled', async () => {
    const gw = await startTestGateway(config(0));
    const coapPort = (gw.binding('coap') as CoapBinding).listening!.port;
    const eps = ['urn:imei:356938035640001', 'urn:imei:356938035640002'];
    const clients = eps.map((endpoint) => new Lwm2mClient({ server: { host: '127.0.0.1', port: coapPort }, endpoint, queueMode: true, awakeMs: AWAKE_MS, ackTimeoutMs: 300, lifetimeS: 600 }));
    try {
      for (const c of clients) await c.register();
      await until('asleep', () => clients.every((c) => c.asleep), (x) => x);
      await sleep(AWAKE_MS);
      const api = await ApiClient.login(gw.httpUrl!);
      const up = await upload(gw, await tokenOf(gw), simFirmwarePackage('2.0.0', 500), 'name=sim&version=2.0.0');
      const created = await api.send<CampaignView>('POST', '/campaigns', { firmwareId: up.body['id'], mode: 'push', concurrency: 1, targets: eps.map((e) => `urn:roost:coap:${e}`) });
      assert.equal(created.status, 201);
      const cancelled = await api.send<CampaignView>('POST', `/campaigns/${created.body.id}/cancel`);
      assert.equal(cancelled.status, 200);
      assert.equal(cancelled.body.state, 'cancelled');
      const v = await until('items cancelled', async () => (await api.send<CampaignView>('GET', `/campaigns/${created.body.id}`)).body, (x) => x.counts['cancelled'] === 2);
      assert.equal(gw.hub.getAction(v.items[0]!.actionId!).state, 'cancelled');
      assert.equal(v.items[1]?.actionId, null, 'never started');
      assert.equal((await api.send('DELETE', `/firmware/${String(up.body['id'])}`)).status, 204, 'no longer in use');
    } finally {
      for (const c of clients) c.close();
      await gw.stop();
    }
  });
});
