/**
 * End to end: a box dies and a fresh one takes over from its backup, with another coordinator
 * stick. Gateway A on emulated stick 1 forms a network; three real models join, are interviewed
 * and report; a command waits in the queue for a sleeping sensor. A's archive is restored into
 * a new data dir; gateway B starts on emulated stick 2 (another IEEE address, blank NV), and
 * real zigbee-herdsman restores the network onto it from the coordinator backup. The same
 * simulated devices, which keep their network membership, report through stick 2 without
 * joining again, and their values reach B's twin and history under the same thing ids.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createBackup } from '../../../gateway/backup/backup-create.js';
import { restorePending, stageRestore } from '../../../gateway/backup/backup-restore.js';
import { Users } from '../../../gateway/auth/users.js';
import { startTestGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { startZigbeeSim, type ZigbeeSim } from '../../../firmware-sim/zigbee/zigbee-sim.js';
import { NotAMemberError } from '../../../firmware-sim/zigbee/znp-emulator.js';
import type { SimDevice } from '../../../firmware-sim/zigbee/sim-device.js';
import { until } from '../../helpers/until.js';

const COORD = 'urn:roost:zigbee:coordinator';
const STICK_1 = '0x00124b0001e0a001';
const STICK_2 = '0x00124b0002f0b002';
const PASS = 'replacement stick passphrase';
const KDF = { log2N: 10, r: 8, p: 1 };
const thingOf = (d: SimDevice) => `urn:roost:zigbee:${d.ieee.slice(2)}`;


function zigbeeConfig(url: string): Record<string, unknown> {
  return {
    bindings: { zigbee: { enabled: true, port: url, reconnectDelayMs: 200, configureRetryDelayMs: 100, awakeWindowMs: 400 } },
    queue: { deliveryTimeoutMs: 60000 },
  };
}

function counters(gw: TestGateway): Record<string, number> {
  return gw.hub.bindingStatuses()['zigbee']?.counters ?? {};
}

const dirA = tempDir('roost-zigbee-restore-a-');
const dirB = tempDir('roost-zigbee-restore-b-');
let sim1: ZigbeeSim | undefined;
let sim2: ZigbeeSim | undefined;
let gwA: TestGateway | undefined;
let gwB: TestGateway | undefined;
let th: SimDevice;
let plug: SimDevice;
let door: SimDevice;
let queuedId: string;
let network1: ReturnType<ZigbeeSim['emulator']['nv']['network']>;
let historyBefore: number;

before(async () => {
  sim1 = await startZigbeeSim({ ieee: STICK_1, awakeWindowMs: 300 });
  th = sim1.addDevice('temperature-humidity-sensor');
  plug = sim1.addDevice('smart-plug');
  door = sim1.addDevice('door-sensor');
  gwA = await startTestGateway(zigbeeConfig(sim1.url), { dataDir: dirA });
});

after(async () => {
  await gwB?.stop();
  await gwA?.stop();
  await sim2?.close();
  await sim1?.close();
  rmSync(dirA, { recursive: true, force: true });
  rmSync(dirB, { recursive: true, force: true });
});

test('box A: stick 1 forms the network, three models join and report, a command waits for the sleeping sensor', async () => {
  const a = gwA as TestGateway;
  const s1 = sim1 as ZigbeeSim;
  await until('binding running on A', () => a.hub.bindingStatuses()['zigbee']?.state === 'running');
  const done = await a.hub.waitForAction(a.hub.invokeAction(COORD, 'permitJoin', { durationS: 120 }).id, 10000);
  assert.equal(done.state, 'completed');
  await s1.waitForPermitJoin(2000);
  s1.join([th, plug, door]);
  await until('configure of all three', () => (counters(a)['configured'] ?? 0) >= 3, 30000);
  assert.equal(s1.emulator.counters.joins, 3);

  th.set(1, 0x0402, 0x0000, 2150);
  plug.set(1, 0x0b04, 0x050b, 17);
  await until('temperature 21.5 on A', () => a.hub.readProperty(thingOf(th), 'temperature')?.value === 21.5);
  await until('power 17 on A', () => a.hub.readProperty(thingOf(plug), 'power')?.value === 17);
  await until('history on A', () => a.hub.history({ thingId: thingOf(th), name: 'temperature' }).length > 0, 5000);
  historyBefore = a.hub.history({ thingId: thingOf(th), name: 'temperature' }).length;

  door.sleep();
  await new Promise((r) => setTimeout(r, 500)); // the hub's awake window (400 ms) closes
  queuedId = a.hub.invokeAction(thingOf(door), 'identify', undefined).id;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(a.hub.getAction(queuedId).state, 'queued');

  await new Users(a.store.db, 3600).create('installer', 'installer-pass-1', 'operator');
  network1 = s1.emulator.nv.network();
  assert.ok(network1);
});

test('the archive of box A, taken while it runs, restores into a fresh data dir', async () => {
  // herdsman writes its coordinator backup at formation (no children yet), at stop and daily; the
  // backup asks the Zigbee binding for a fresh one first (Binding.beforeBackup), as POST /backup does.
  const a = gwA as TestGateway;
  assert.deepEqual(await a.hub.prepareBackup(), []);
  const coordinatorBackup = JSON.parse(readFileSync(join(dirA, 'zigbee', 'coordinator_backup.json'), 'utf8')) as { devices: Array<{ ieee_address: string }> };
  assert.deepEqual(coordinatorBackup.devices.map((d) => `0x${d.ieee_address}`).sort(), [th, plug, door].map((d) => d.ieee).sort());
  const parts: Buffer[] = [];
  for await (const c of createBackup({ dataDir: dirA, db: a.store.db, passphrase: PASS, kdf: KDF })) parts.push(c);
  // Then box A dies.
  await a.stop();
  gwA = undefined;
  await (sim1 as ZigbeeSim).close();
  sim1 = undefined;
  await stageRestore((async function* () { yield Buffer.concat(parts); })(), { dataDir: dirB, passphrase: PASS });
  assert.equal(restorePending(dirB), true);
});

test('box B on stick 2: herdsman restores the network, the same devices report without joining again', async () => {
  const s2 = await startZigbeeSim({ ieee: STICK_2, awakeWindowMs: 300 });
  sim2 = s2;
  assert.equal(s2.emulator.nv.network(), null, 'stick 2 comes out of the box without a network');
  assert.throws(() => s2.attach(th), NotAMemberError, 'a device cannot use a stick that does not carry its network');

  const b = await startTestGateway(zigbeeConfig(s2.url), { dataDir: dirB });
  gwB = b;
  await until('binding running on B', () => b.hub.bindingStatuses()['zigbee']?.state === 'running', 30000);

  // The restore put network 1 onto stick 2, and stick 2 took over stick 1's IEEE address (NV EXTADDR).
  const network2 = s2.emulator.nv.network();
  assert.ok(network2 && network1);
  assert.equal(network2.panId, network1.panId);
  assert.ok(network2.extendedPanId.equals(network1.extendedPanId));
  assert.equal(network2.channel, network1.channel);
  assert.ok(network2.networkKey.equals(network1.networkKey));
  assert.equal(s2.emulator.factoryIeee, STICK_2);
  assert.equal(s2.emulator.ieee, STICK_1);
  assert.equal((s2.emulator.requestsSeen.get('1:nvWrite') ?? 0) > 0, true, 'the address manager and key tables were written');
  assert.equal(s2.emulator.counters.unknownRequests, 0);
  assert.equal(b.hub.readProperty(COORD, 'ieeeAddress')?.value, STICK_1);

  // The devices keep their membership: they attach, no join, no announce, no interview.
  s2.attach([th, plug, door]);
  th.set(1, 0x0402, 0x0000, 2275);
  plug.set(1, 0x0b04, 0x050b, 33);
  await until('temperature 22.75 on B', () => b.hub.readProperty(thingOf(th), 'temperature')?.value === 22.75);
  await until('power 33 on B', () => b.hub.readProperty(thingOf(plug), 'power')?.value === 33);
  const rows = await until('history on B', () => {
    const r = b.hub.history({ thingId: thingOf(th), name: 'temperature' });
    return r.length > historyBefore && r;
  }, 5000);
  assert.deepEqual(rows.map((r) => r.value).slice(-2), [21.5, 22.75]);

  // A plug write goes through stick 2 to the same device.
  const w = await b.hub.waitForAction(b.hub.writeProperty(thingOf(plug), 'state', 'ON').id, 15000);
  assert.equal(w.state, 'completed', JSON.stringify(w));
  assert.equal(plug.get(1, 0x0006, 0x0000), true);

  // The command queued on A goes out when the door sensor wakes on stick 2.
  assert.equal(b.hub.getAction(queuedId).state, 'queued');
  const before = door.counters.commands['3:0'] ?? 0;
  door.wake();
  const q = await b.hub.waitForAction(queuedId, 15000);
  assert.equal(q.state, 'completed', JSON.stringify(q));
  assert.equal(door.counters.commands['3:0'], before + 1);

  assert.equal(s2.emulator.counters.joins, 0, 'no device joined stick 2');
  assert.equal(s2.emulator.counters.attaches, 3);
  const c = counters(b);
  assert.equal(c['joins'] ?? 0, 0);
  assert.equal(c['interviewsSucceeded'] ?? 0, 0, 'no device was interviewed again');
  assert.equal(c['interviewsFailed'] ?? 0, 0);
  assert.equal(c['configured'] ?? 0, 0, 'no configure() ran again');
  for (const d of [th, plug, door]) assert.doesNotMatch(b.hub.getThing(thingOf(d)).nativeTd.title, /interview|unidentified/);

  // Users came back.
  const users = new Users(b.store.db, 3600);
  assert.equal(users.get('installer').role, 'operator');
  assert.ok((await users.login('installer', 'installer-pass-1')).token);
});
