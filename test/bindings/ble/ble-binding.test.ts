/**
 * The binding at fleet scale over the simulated central: hundreds of BTHome sensors (plain and
 * encrypted, every frame heard three times, one with a wrong key, some out of range) and sleepy
 * GATT devices with queued writes, minutes of radio time on the virtual clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BthomeSensor } from '../../../firmware-sim/ble/bthome-sensor.js';
import { environmentalSensor, REFERENCE_INTERVAL_CHAR, REFERENCE_SERVICE } from '../../../firmware-sim/ble/gatt-peripheral.js';
import { startBleRig } from './ble-fixture.js';

const SENSORS = 300;
const GATT = 20;
const KEY = '0123456789abcdef0123456789abcdef';
const mac = (prefix: number, i: number) => `${prefix.toString(16).padStart(2, '0')}:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

test(`${SENSORS} BTHome sensors and ${GATT} sleepy GATT devices for 5 minutes of radio time`, async () => {
  const bindKeys: Record<string, string> = {};
  const sensors: BthomeSensor[] = [];
  for (let i = 0; i < SENSORS; i++) {
    const encrypted = i % 5 === 0;
    const address = mac(0xa0, i);
    if (encrypted) bindKeys[address] = KEY;
    sensors.push(new BthomeSensor({ address, intervalMs: 10000, repeats: 3, readings: { 0x01: 90, 0x02: 20 + (i % 10), 0x03: 40 }, ...(encrypted ? { bindKey: i === 0 ? 'ffffffffffffffffffffffffffffffff' : KEY } : {}) }));
  }
  const gattAddresses = Array.from({ length: GATT }, (_, i) => mac(0xb0, i));
  const rig = await startBleRig({
    bindKeys,
    gattDevices: gattAddresses.map((address) => ({ address, sleepy: true, mappings: [{ name: 'reportInterval', service: REFERENCE_SERVICE, characteristic: REFERENCE_INTERVAL_CHAR, read: true, write: true, type: 'uint', length: 2 }] })),
    maxConnections: 4,
    offlineAfterMs: 60000,
    readIntervalMs: 3600000,
  }, { controllerMaxConnections: 4 });
  try {
    const gatt = gattAddresses.map((address) => environmentalSensor({ address, sleepy: true, advertiseIntervalMs: 20000 }));
    for (const s of sensors) rig.sim.add(s);
    for (const g of gatt) rig.sim.add(g);
    const t0 = performance.now();
    await rig.clock.advance(60000);
    // Every GATT device has had its first session: queue one write each.
    const writes = gattAddresses.map((a) => rig.gw.hub.writeProperty(rig.thingId(a), 'reportInterval', 120));
    // Ten sensors leave.
    for (const s of sensors.slice(1, 11)) s.inRange = false;
    await rig.clock.advance(240000);
    const wallMs = performance.now() - t0;

    const c = rig.binding.status().counters;
    const things = rig.gw.hub.listThings({ limit: 1000 }).items.filter((t) => t.binding === 'ble');
    assert.equal(things.length, SENSORS - 1 + GATT, 'every sensor but the wrong-key one, and every GATT device');
    assert.ok((c['bthomeDecryptFailures'] ?? 0) >= 30 * 3 - 3, `decrypt failures ${c['bthomeDecryptFailures']}`);
    assert.equal(c['bthomeDuplicates'], 2 * (c['bthomeFrames'] ?? 0), 'two extra copies of every accepted frame');
    for (const w of writes) assert.equal(rig.gw.hub.getAction(w.id).state, 'completed');
    for (const g of gatt) assert.deepEqual(g.writes.map((w) => Buffer.from(w.value).toString('hex')), ['7800']);
    const offline = things.filter((t) => !t.online).map((t) => t.deviceId).sort();
    assert.deepEqual(offline, sensors.slice(1, 11).map((s) => s.address.replace(/:/g, '')).sort());
    assert.equal(rig.sim.counters.commandDisallowed, 0);
    const energy = rig.sim.energyReport();
    const adv = energy.reduce((n, r) => n + r.advertisingEvents, 0);
    const connMs = energy.reduce((n, r) => n + r.connectedMs, 0);
    console.log(`ble fleet: ${SENSORS} sensors + ${GATT} GATT, 300 s radio time in ${wallMs.toFixed(0)} ms wall; frames accepted ${c['bthomeFrames']}, duplicates ${c['bthomeDuplicates']}, advertising events ${adv}, GATT sessions ${c['gattSessions']}, connected ${connMs} ms (virtual)`);
    assert.ok(connMs > 0);
  } finally {
    await rig.stop();
  }
});
