/**
 * Firmware update of a Queue Mode LwM2M device through object 5 (docs/protocols/lwm2m.md
 * "Firmware updates"): the `firmware_update` action pushes the package in Block1 blocks to /5/0/0,
 * waits for Downloaded, executes /5/0/2 and checks /5/0/5 and /3/0/3 — across a gateway restart
 * in the middle of the update; and a pull through the package URI served with Block2.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CoapBinding } from '../../../bindings/coap/coap-binding.js';
import { Lwm2mClient, simFirmwarePackage } from '../../../firmware-sim/lwm2m/index.js';
import { startTestGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';

/** The gateway's awake window after a device's uplink. */
const AWAKE_MS = 500;
/** The device stays awake longer than the gateway assumes (as it must), so a stall of this one-process test's event loop cannot put it to sleep mid-exchange. */
const DEVICE_AWAKE_MS = 2000;

async function until(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function config(port: number): Record<string, unknown> {
  return {
    bindings: { coap: { enabled: true, host: '127.0.0.1', port, ackTimeoutMs: 200, expirySweepMs: 50, security: 'none', lwm2mAwakeWindowMs: AWAKE_MS, lwm2mFirmwarePollMs: 50 } },
    queue: { resultTimeoutMs: 60000 },
    onboarding: { defaultPolicy: 'open' },
  };
}

/** waitForAction also resolves at `delivered`: wait on until the item is final. */
async function final(gw: TestGateway, id: string, timeoutMs = 15000): Promise<ReturnType<TestGateway['hub']['getAction']>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await gw.hub.waitForAction(id, Math.max(1, end - Date.now()));
    if (!['queued', 'sent', 'delivered'].includes(v.state) || Date.now() >= end) return v;
    await sleep(50);
  }
}

const progress = (gw: TestGateway, thing: string) => gw.hub.readAllProperties(thing)['firmware_update_progress']?.value as { step?: string } | undefined;

describe('LwM2M firmware update across a gateway restart', () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('push: the package goes in blocks, the gateway restarts while the device installs, and the update completes after it', async () => {
    mkdirSync(join(dir, 'firmware'), { recursive: true });
    writeFileSync(join(dir, 'firmware', 'sim-2.0.0'), simFirmwarePackage('2.0.0', 3000));
    let gw = await startTestGateway(config(0), { dataDir: dir });
    const port = (gw.binding('coap') as CoapBinding).listening!.port;
    const ep = 'urn:uuid:5f3a1c8e-0000-4000-8000-00000000fw01';
    const thing = `urn:roost:coap:${ep}`;
    const client = new Lwm2mClient({ server: { host: '127.0.0.1', port }, endpoint: ep, queueMode: true, awakeMs: DEVICE_AWAKE_MS, ackTimeoutMs: 300, lifetimeS: 600, updateMs: 1500 });
    try {
      await client.register();
      await until('device asleep', () => client.asleep);
      await sleep(AWAKE_MS);
      const item = gw.hub.invokeAction(thing, 'firmware_update', { package: 'sim-2.0.0', method: 'push', version: '2.0.0' });
      await sleep(200);
      assert.equal(gw.hub.getAction(item.id).state, 'queued', 'waits for the wake');
      assert.equal(await client.update(), '2.04');
      // Pushed, Downloaded, executed: the device installs for 1.5 s and the gateway waits for it.
      await until('step updating', () => progress(gw, thing)?.step === 'updating');
      assert.equal(client.firmware.state, 3, 'device is Updating');
      // Its awake window over, the gateway stops polling: the item waits for its result.
      const hub = gw.hub;
      await until('item delivered', () => hub.getAction(item.id).state === 'delivered');
      assert.equal(client.firmware.state, 3, 'still Updating when the gateway stops');
      await gw.stop();

      // The device finishes and sends its Update to a gateway that is down; it retransmits.
      gw = await startTestGateway(config(port), { dataDir: dir });
      const done = await final(gw, item.id);
      assert.equal(done.state, 'completed', JSON.stringify(done));
      assert.deepEqual(done.output, { package: 'sim-2.0.0', method: 'push', result: 1, version: '2.0.0', previousVersion: '1.0.0' });
      assert.equal(client.store.get('/3/0/3'), '2.0.0');
      assert.equal(progress(gw, thing)?.step, 'done');
    } finally {
      client.close();
      await gw.stop();
    }
  });

  it('pull: the device fetches the package URI from the gateway with Block2; a bad package fails with its result code', async () => {
    writeFileSync(join(dir, 'firmware', 'sim-3.0.0'), simFirmwarePackage('3.0.0', 2500));
    writeFileSync(join(dir, 'firmware', 'garbage'), Buffer.from('not a firmware image'));
    const gw = await startTestGateway(config(0), { dataDir: dir });
    const port = (gw.binding('coap') as CoapBinding).listening!.port;
    const ep = 'urn:imei:356938035643809';
    const thing = `urn:roost:coap:${ep}`;
    const client = new Lwm2mClient({ server: { host: '127.0.0.1', port }, endpoint: ep, queueMode: true, awakeMs: 3000, ackTimeoutMs: 300, lifetimeS: 600, updateMs: 100, pullBlockSize: 256 });
    try {
      await client.register();
      const bad = gw.hub.invokeAction(thing, 'firmware_update', { package: 'garbage', method: 'push' });
      const failed = await final(gw, bad.id);
      assert.equal(failed.state, 'failed');
      assert.match(failed.error ?? '', /Update Result 6 \(unsupported package type\)/);
      const good = gw.hub.invokeAction(thing, 'firmware_update', { package: 'sim-3.0.0', method: 'pull', version: '3.0.0' });
      const done = await final(gw, good.id);
      assert.equal(done.state, 'completed', JSON.stringify(done));
      assert.equal(client.store.get('/3/0/3'), '3.0.0');
      assert.equal(client.store.get('/5/0/1'), `coap://127.0.0.1:${port}/fw/sim-3.0.0`);
      assert.ok((gw.hub.bindingStatuses()['coap']?.counters['lwm2mPackagesServed'] ?? 0) >= 10, 'served in 256-byte blocks');
    } finally {
      client.close();
      await gw.stop();
    }
  });
});
