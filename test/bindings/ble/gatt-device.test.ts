/** GATT devices through the binding and the hub: sleepy sessions with queued writes, always-on links. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GattMapping } from '../../../protocols/gatt/gatt-mapping.js';
import { environmentalSensor, REFERENCE_INTERVAL_CHAR, REFERENCE_LED_CHAR, REFERENCE_SERVICE } from '../../../firmware-sim/ble/gatt-peripheral.js';
import { startBleRig } from './ble-fixture.js';

const MAPPINGS: GattMapping[] = [
  { name: 'reportInterval', service: REFERENCE_SERVICE, characteristic: REFERENCE_INTERVAL_CHAR, read: true, write: true, type: 'uint', length: 2, unit: 's' },
  { name: 'led', service: REFERENCE_SERVICE, characteristic: REFERENCE_LED_CHAR, read: true, write: true, type: 'bool' },
];

test('sleepy device: first visit reads and registers; queued writes go out together on the next visit', async () => {
  const address = 'c0:ff:ee:00:00:01';
  const rig = await startBleRig({ gattDevices: [{ address, name: 'Cellar sensor', sleepy: true, mappings: MAPPINGS }], readIntervalMs: 3600000 });
  try {
    const dev = environmentalSensor({ address, sleepy: true, advertiseIntervalMs: 30000, temperature: 12.34 });
    rig.sim.add(dev);
    await rig.clock.advance(30000);
    const id = rig.thingId(address);
    const thing = rig.gw.hub.getThing(id);
    assert.equal(thing.sleepy, true);
    const props = thing.nativeTd['properties'] as Record<string, { readOnly: boolean }>;
    assert.deepEqual(Object.keys(props).sort(), ['battery', 'firmwareRevision', 'humidity', 'led', 'manufacturer', 'model', 'pressure', 'reportInterval', 'temperature']);
    assert.equal(props['reportInterval']?.readOnly, false);
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 12.34);
    assert.equal(rig.gw.hub.readProperty(id, 'manufacturer')?.value, 'Roost Labs');
    assert.equal(rig.sim.linkCount, 0, 'the session ended');
    const connectsAfterFirst = dev.connections;

    const w1 = rig.gw.hub.writeProperty(id, 'reportInterval', 300);
    const w2 = rig.gw.hub.writeProperty(id, 'led', true);
    assert.equal(rig.gw.hub.getAction(w1.id).state, 'queued');
    await rig.clock.advance(30000);
    assert.equal(dev.connections, connectsAfterFirst + 1, 'one session for both writes');
    assert.equal(rig.gw.hub.getAction(w1.id).state, 'completed');
    assert.equal(rig.gw.hub.getAction(w2.id).state, 'completed');
    assert.deepEqual(dev.writes.map((w) => Buffer.from(w.value).toString('hex')), ['2c01', '01']);
    assert.equal(rig.gw.hub.readProperty(id, 'reportInterval')?.value, 300);
    // Nothing pending and the read is recent: the next advertisement costs no connection.
    await rig.clock.advance(30000);
    assert.equal(dev.connections, connectsAfterFirst + 1);
    const energy = rig.sim.energyReport().find((r) => r.address === address)!;
    assert.ok(energy.advertisingEvents >= 3);
    assert.equal(energy.connections, 2);
    // A value that does not fit fails at once, with the typed error's code.
    const bad = rig.gw.hub.writeProperty(id, 'reportInterval', 70000);
    await rig.clock.advance(30000);
    assert.equal(rig.gw.hub.getAction(bad.id).state, 'failed');
    assert.match(String(rig.gw.hub.getAction(bad.id).error), /ROOST_ERR_VALUE_INVALID/);
  } finally {
    await rig.stop();
  }
});

test('always-on device: notifications update the twin, writes go out at once, the link comes back after loss and adapter reset', async () => {
  const address = 'c0:ff:ee:00:00:02';
  const rig = await startBleRig({ gattDevices: [{ address, sleepy: false, mappings: MAPPINGS }], reconnectMinMs: 1000, reconnectMaxMs: 8000 });
  try {
    const dev = environmentalSensor({ address, sleepy: false });
    rig.sim.add(dev);
    // Connected at its first connectable advertisement.
    await rig.clock.advance(1010);
    const id = rig.thingId(address);
    assert.equal(rig.sim.linkCount, 1);
    assert.equal(rig.gw.hub.getThing(id).sleepy, false);
    dev.setValue('181a', '2a6e', Uint8Array.of(0x10, 0x09)); // 23.20 °C
    await rig.clock.settle();
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 23.2);
    assert.equal(await rig.binding.readProperty(id, 'humidity'), 45);

    const w = rig.gw.hub.writeProperty(id, 'led', true);
    await rig.clock.settle();
    assert.equal(rig.gw.hub.getAction(w.id).state, 'completed');

    rig.sim.setInRange(address, false);
    await rig.clock.settle();
    assert.equal(rig.gw.hub.getThing(id).online, false);
    await rig.clock.advance(20000);
    assert.equal(rig.sim.linkCount, 0);
    rig.sim.setInRange(address, true);
    await rig.clock.advance(16000);
    assert.equal(rig.sim.linkCount, 1, 'reconnected within the backoff ceiling');
    assert.equal(rig.gw.hub.getThing(id).online, true);

    await rig.sim.resetAdapter();
    await rig.clock.advance(1010);
    assert.equal(rig.sim.linkCount, 1, 'reconnected after the adapter reset');
    const s = rig.binding.status();
    assert.equal(s.state, 'running');
    assert.equal(s.counters['adapterResets'], 1);
    dev.setValue('181a', '2a6e', Uint8Array.of(0x00, 0x08)); // 20.48 °C
    await rig.clock.settle();
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 20.48);
  } finally {
    await rig.stop();
  }
});

test('many sleepy devices at once: connects serialized (no Command Disallowed), links within the limit', async () => {
  const addresses = Array.from({ length: 12 }, (_, i) => `c0:ff:ee:00:01:${i.toString(16).padStart(2, '0')}`);
  const rig = await startBleRig({ gattDevices: addresses.map((address) => ({ address, sleepy: true })), maxConnections: 3 }, { controllerMaxConnections: 3 });
  try {
    const devs = addresses.map((address) => environmentalSensor({ address, sleepy: true, advertiseIntervalMs: 5000 }));
    for (const d of devs) rig.sim.add(d);
    let maxLinks = 0;
    for (let i = 0; i < 60; i++) {
      await rig.clock.advance(500);
      maxLinks = Math.max(maxLinks, rig.sim.linkCount);
    }
    assert.equal(rig.sim.counters.commandDisallowed, 0);
    assert.ok(maxLinks <= 3, `links ${maxLinks}`);
    for (const a of addresses) assert.ok(rig.gw.hub.getThing(rig.thingId(a)), a);
  } finally {
    await rig.stop();
  }
});

test('a wedged scan is restarted after the silence limit', async () => {
  const rig = await startBleRig({ scanRestartAfterSilenceMs: 30000, watchdogIntervalMs: 5000 });
  try {
    const { BthomeSensor } = await import('../../../firmware-sim/ble/bthome-sensor.js');
    const s = new BthomeSensor({ address: 'aa:bb:cc:00:00:09', intervalMs: 5000, readings: { 0x02: 20 } });
    rig.sim.add(s);
    await rig.clock.advance(10000);
    const before = rig.binding.status().counters['bthomeFrames']!;
    rig.sim.wedgeScan();
    await rig.clock.advance(60000);
    assert.equal(rig.binding.status().counters['scanRestarts'], 1);
    assert.ok(rig.binding.status().counters['bthomeFrames']! > before);
  } finally {
    await rig.stop();
  }
});

test('no adapter: the binding reports absent and the gateway keeps running', async () => {
  const rig = await startBleRig({}, { initialState: 'unsupported' });
  try {
    const s = rig.binding.status();
    assert.equal(s.state, 'absent');
    assert.match(String(s.detail), /unsupported/);
    assert.equal(rig.gw.hub.bindingStatuses()['ble']?.state, 'absent');
  } finally {
    await rig.stop();
  }
});
