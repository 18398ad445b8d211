/**
 * Onboarding with real zigbee-herdsman against the emulated ZNP coordinator: a device that joins
 * is pending with its model; nothing it reports reaches the hub until approved; rejection and
 * revocation ask it to leave the network.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { startZigbeeSim, type ZigbeeSim } from '../../../firmware-sim/zigbee/zigbee-sim.js';
import type { SimDevice } from '../../../firmware-sim/zigbee/sim-device.js';

const COORD = 'urn:roost:zigbee:coordinator';
const thingOf = (d: SimDevice) => `urn:roost:zigbee:${d.ieee.slice(2)}`;
const idOf = (d: SimDevice) => d.ieee.slice(2).toLowerCase();

/** Polls `cond` every 25 ms until it holds; throws after `ms`. */
async function until(what: string, cond: () => unknown, ms = 15000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); await sleep(25)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

let sim: ZigbeeSim;
let gw: TestGateway;
let plug: SimDevice;
let plug2: SimDevice;
const hasThing = (d: SimDevice) => gw.hub.listThings({ limit: 100 }).items.some((t) => t.id === thingOf(d));
const counter = (n: string) => gw.hub.bindingStatuses()['zigbee']?.counters[n] ?? 0;

before(async () => {
  sim = await startZigbeeSim({ awakeWindowMs: 300 });
  plug = sim.addDevice('smart-plug');
  plug2 = sim.addDevice('smart-plug');
  gw = await startTestGateway({
    bindings: { zigbee: { enabled: true, port: sim.url, reconnectDelayMs: 200, configureRetryDelayMs: 100, availabilityCheckIntervalMs: 300, mainsAvailabilityTimeoutMs: 5000 } },
    onboarding: { policy: { zigbee: 'approve' } },
  }, { dataDir: tempDir('roost-zigbee-onb-') });
  await until('binding running', () => gw.hub.bindingStatuses()['zigbee']?.state === 'running');
});

after(async () => {
  await gw?.stop();
  await sim?.close();
});

test('joined devices are pending with what the interview said, and have no thing', async () => {
  const view = gw.hub.invokeAction(COORD, 'permitJoin', { durationS: 120 });
  assert.equal((await gw.hub.waitForAction(view.id, 10000)).state, 'completed');
  await sim.waitForPermitJoin(2000);
  sim.join([plug, plug2]);
  for (const d of [plug, plug2]) {
    const pending = () => gw.hub.onboarding.list('pending').find((p) => p.deviceId === idOf(d));
    await until(`${d.ieee} pending with its model`, () => (pending()?.claims as { model?: string | null } | null)?.model);
    const rec = pending()!;
    assert.equal(rec.seenAs, `zigbee join via ${sim.url}`);
    const claims = rec.claims as { ieee: string; model: string; manufacturer: string };
    assert.equal(claims.ieee.toLowerCase(), d.ieee.toLowerCase());
    assert.ok(claims.manufacturer);
  }
  assert.equal(hasThing(plug), false);
  assert.equal(hasThing(plug2), false);
});

test('reports of a pending device are dropped and counted', async () => {
  const before = counter('framesUnadmitted');
  plug.set(1, 0x0b04, 0x050b, 42);
  await until('frame dropped', () => counter('framesUnadmitted') > before);
  assert.equal(hasThing(plug), false);
});

test('approved, the device is identified and its reports reach the twin', async () => {
  gw.hub.onboarding.approve('zigbee', idOf(plug));
  await until('plug identified', () => hasThing(plug) && !gw.hub.getThing(thingOf(plug)).nativeTd.title.includes('(interview'));
  plug.set(1, 0x0b04, 0x050b, 17);
  await until('power 17', () => gw.hub.readProperty(thingOf(plug), 'power')?.value === 17);
});

test('a rejected device is asked to leave the network', async () => {
  gw.hub.onboarding.reject('zigbee', idOf(plug2));
  await until('plug2 left', () => !plug2.joined);
  assert.ok(counter('removals') >= 1);
  assert.equal(hasThing(plug2), false);
});

test('revocation cuts the device off at once and asks it to leave', async () => {
  const removals = counter('removals');
  gw.hub.onboarding.revoke('zigbee', idOf(plug));
  assert.equal(gw.hub.getThing(thingOf(plug)).online, false, 'offline at once');
  await until('plug left', () => !plug.joined);
  assert.ok(counter('removals') > removals);
  assert.equal(gw.hub.readProperty(thingOf(plug), 'power')?.value, 17);
});
