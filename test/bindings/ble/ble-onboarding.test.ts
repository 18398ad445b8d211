/** Onboarding of BTHome sensors: nothing of a sensor that is not approved reaches the hub. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BthomeSensor } from '../../../firmware-sim/ble/bthome-sensor.js';
import { environmentalSensor } from '../../../firmware-sim/ble/gatt-peripheral.js';
import { startBleRig, type BleRig } from './ble-fixture.js';

const KEY = '231d39c1d7cc1ab1aee224cd096db932';
const hasThing = (rig: BleRig, id: string) => rig.gw.hub.listThings({ limit: 100 }).items.some((t) => t.id === id);

test('policy approve: an unknown sensor is pending with what it sends; approval lets it in; revocation cuts it off at once', async () => {
  const rig = await startBleRig({}, {}, { config: { onboarding: { policy: { ble: 'approve' } } } });
  try {
    const s = new BthomeSensor({ address: 'a4:c1:38:8d:18:b2', localName: 'ATC_8D18B2', intervalMs: 10000, readings: { 0x01: 90, 0x02: 21.5 } });
    rig.sim.add(s);
    await rig.clock.advance(20000);
    const id = rig.thingId('a4:c1:38:8d:18:b2');
    const d = rig.gw.hub.onboarding.get('ble', 'a4c1388d18b2');
    assert.equal(d.state, 'pending');
    assert.equal(d.seenAs, 'ble advertisement from a4:c1:38:8d:18:b2');
    const claims = d.claims as { format: string; model: string; encrypted: boolean; objects: string[] };
    assert.equal(claims.format, 'bthome');
    assert.equal(claims.model, 'ATC_8D18B2');
    assert.equal(claims.encrypted, false);
    assert.ok(claims.objects.includes('temperature'));
    assert.equal(hasThing(rig, id), false);
    assert.ok(rig.binding.status().counters['bthomeUnadmitted']! >= 2);
    assert.equal(rig.binding.status().counters['bthomeFrames'], 0);

    rig.gw.hub.onboarding.approve('ble', 'a4c1388d18b2');
    await rig.clock.advance(10000);
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 21.5);

    rig.gw.hub.onboarding.revoke('ble', 'a4c1388d18b2');
    assert.equal(rig.gw.hub.getThing(id).online, false, 'offline at once');
    const dropped = rig.binding.status().counters['bthomeUnadmitted']!;
    s.setReading(0x02, 30);
    await rig.clock.advance(20000);
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 21.5);
    assert.equal(rig.gw.hub.getThing(id).online, false);
    assert.ok(rig.binding.status().counters['bthomeUnadmitted']! > dropped);
  } finally {
    await rig.stop();
  }
});

test('an encrypted sensor without a configured key is pending; approved with its bind key, its frames decode', async () => {
  const rig = await startBleRig({}, {}, { config: { onboarding: { policy: { ble: 'approve' } } } });
  try {
    rig.sim.add(new BthomeSensor({ address: '54:48:e6:8f:80:a5', bindKey: KEY, intervalMs: 10000, readings: { 0x02: 25.06 } }));
    await rig.clock.advance(20000);
    const d = rig.gw.hub.onboarding.get('ble', '5448e68f80a5');
    assert.equal(d.state, 'pending');
    assert.equal((d.claims as { encrypted: boolean }).encrypted, true);
    const id = rig.thingId('54:48:e6:8f:80:a5');
    assert.equal(hasThing(rig, id), false);
    rig.gw.hub.onboarding.approve('ble', '5448e68f80a5', { bthomeKey: KEY });
    await rig.clock.advance(10000);
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 25.06);
  } finally {
    await rig.stop();
  }
});

test('policy manifest: a listed sensor decodes with the manifest key; an unlisted one is refused and reaches nothing', async () => {
  const rig = await startBleRig({}, {}, { config: { onboarding: { policy: { ble: 'manifest' } } } });
  try {
    rig.gw.hub.onboarding.importManifest([{ binding: 'ble', deviceId: '5448e68f80a5', credentials: { bthomeKey: KEY } }]);
    rig.sim.add(new BthomeSensor({ address: '54:48:e6:8f:80:a5', bindKey: KEY, intervalMs: 10000, readings: { 0x02: 25.06 } }));
    rig.sim.add(new BthomeSensor({ address: 'a4:c1:38:00:00:01', intervalMs: 10000, readings: { 0x02: 19 } }));
    await rig.clock.advance(20000);
    assert.equal(rig.gw.hub.readProperty(rig.thingId('54:48:e6:8f:80:a5'), 'temperature')?.value, 25.06);
    assert.equal(hasThing(rig, rig.thingId('a4:c1:38:00:00:01')), false);
    assert.equal(rig.gw.hub.onboarding.list('pending').length, 0);
  } finally {
    await rig.stop();
  }
});

test('a configured GATT device is not connected until approved; revocation drops its link at once', async () => {
  const address = 'c0:ff:ee:00:00:07';
  const rig = await startBleRig({ gattDevices: [{ address, sleepy: false }], reconnectMinMs: 1000 }, {}, { config: { onboarding: { policy: { ble: 'approve' } } } });
  try {
    const dev = environmentalSensor({ address, sleepy: false, localName: 'ENV-7' });
    rig.sim.add(dev);
    await rig.clock.advance(3000);
    const d = rig.gw.hub.onboarding.get('ble', 'c0ffee000007');
    assert.equal(d.state, 'pending');
    assert.equal(d.seenAs, `ble advertisement from ${address}`);
    assert.deepEqual(d.claims, { format: 'gatt', model: 'ENV-7', name: null });
    assert.equal(rig.sim.linkCount, 0, 'not connected while pending');
    const id = rig.thingId(address);
    assert.equal(hasThing(rig, id), false);
    assert.ok(rig.binding.status().counters['gattUnadmitted']! >= 2);

    rig.gw.hub.onboarding.approve('ble', 'c0ffee000007');
    await rig.clock.advance(1010);
    assert.equal(rig.sim.linkCount, 1);
    dev.setValue('181a', '2a6e', Uint8Array.of(0x10, 0x09)); // 23.20 °C
    await rig.clock.settle();
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 23.2);

    rig.gw.hub.onboarding.revoke('ble', 'c0ffee000007');
    assert.equal(rig.gw.hub.getThing(id).online, false, 'offline at once');
    await rig.clock.settle();
    assert.equal(rig.sim.linkCount, 0, 'link dropped');
    await rig.clock.advance(5000);
    assert.equal(rig.sim.linkCount, 0, 'not connected again');
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 23.2);
  } finally {
    await rig.stop();
  }
});
