/** Passive BTHome sensors through the binding, the hub and the simulated radio. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BthomeSensor } from '../../../firmware-sim/ble/bthome-sensor.js';
import { parseBindKey } from '../../../protocols/bthome/bthome-crypto.js';
import { encodeBthome } from '../../../protocols/bthome/bthome-frame.js';
import { startBleRig } from './ble-fixture.js';

const KEY = '231d39c1d7cc1ab1aee224cd096db932';

test('a plain sensor is registered when first seen, from the objects it sends; duplicates dropped', async () => {
  const rig = await startBleRig();
  try {
    const s = new BthomeSensor({ address: 'A4:C1:38:8D:18:B2', localName: 'ATC_8D18B2', intervalMs: 10000, repeats: 3, readings: { 0x01: 88, 0x02: 21.37, 0x03: 48.5 } });
    rig.sim.add(s);
    await rig.clock.advance(10000);
    const id = rig.thingId('a4:c1:38:8d:18:b2');
    const thing = rig.gw.hub.getThing(id);
    assert.equal(id, 'urn:roost:ble:a4c1388d18b2');
    const td = thing.nativeTd as unknown as { title: string; properties: Record<string, { unit?: string }> };
    assert.deepEqual(Object.keys(td.properties).sort(), ['battery', 'humidity', 'rssi', 'temperature']);
    assert.equal(td.properties['temperature']?.unit, 'Cel');
    assert.match(td.title, /ATC_8D18B2/);
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 21.37);
    assert.equal(rig.gw.hub.readProperty(id, 'humidity')?.value, 48.5);
    s.setReading(0x02, 22);
    await rig.clock.advance(20000);
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 22);
    const c = rig.binding.status().counters;
    assert.equal(c['bthomeFrames'], 3, 'one frame per advertising event');
    assert.equal(c['bthomeDuplicates'], 6, 'two extra copies per event');
    // A new object later grows the TD.
    s.setReading(0x12, 612);
    await rig.clock.advance(10000);
    assert.ok('co2' in (rig.gw.hub.getThing(id).nativeTd['properties'] as object));
    assert.equal(rig.binding.status().counters['bthomeTdUpdates'], 1);
  } finally {
    await rig.stop();
  }
});

test('encrypted sensors: right key decodes, wrong key and missing key are counted, plaintext and replays rejected', async () => {
  const rig = await startBleRig({ bindKeys: { '54:48:E6:8F:80:A5': KEY, '11:11:11:11:11:11': 'ffeeddccbbaa99887766554433221100', '22:22:22:22:22:22': KEY } }, {}, { collectLogs: true });
  try {
    const good = new BthomeSensor({ address: '54:48:e6:8f:80:a5', bindKey: KEY, readings: { 0x02: 25.06, 0x03: 50.55 } });
    const wrongKey = new BthomeSensor({ address: '11:11:11:11:11:11', bindKey: KEY, readings: { 0x02: 1 } });
    const noKey = new BthomeSensor({ address: '33:33:33:33:33:33', bindKey: KEY, readings: { 0x02: 1 } });
    const downgraded = new BthomeSensor({ address: '22:22:22:22:22:22', readings: { 0x02: 1 } });
    for (const s of [good, wrongKey, noKey, downgraded]) rig.sim.add(s);
    await rig.clock.advance(30000);
    const id = rig.thingId('54:48:e6:8f:80:a5');
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 25.06);
    assert.match(String(rig.gw.hub.getThing(id).nativeTd['description']), /encrypted/);
    for (const mac of ['111111111111', '222222222222', '333333333333']) assert.ok(!rig.gw.hub.listThings().items.some((t) => t.deviceId === mac), mac);
    const c = rig.binding.status().counters;
    assert.equal(c['bthomeDecryptFailures'], 3);
    assert.equal(c['bthomeNoKey'], 3);
    assert.equal(c['bthomePlaintextRejected'], 3);
    // Replay: a frame captured earlier is sent again later.
    const captured: Uint8Array[] = [];
    rig.sim.on('advertisement', (a: { address: string; serviceData: Array<{ data: Uint8Array }> }) => {
      if (a.address === good.address && a.serviceData[0]) captured.push(a.serviceData[0].data);
    });
    await rig.clock.advance(10000);
    const old = captured[0]!;
    await rig.clock.advance(10000);
    rig.sim.emit('advertisement', { address: good.address, connectable: false, rssi: -70, serviceData: [{ uuid: 'fcd2', data: old }] });
    assert.equal(rig.binding.status().counters['bthomeReplays'], 1);
    // Bind keys never reach the log.
    const text = JSON.stringify(rig.logs);
    assert.ok(rig.logs.length > 0);
    assert.ok(!text.toLowerCase().includes(KEY) && !text.includes('ffeeddccbbaa99887766554433221100'));
  } finally {
    await rig.stop();
  }
});

test('button and dimmer presses of a trigger-based device become TD events; "none" is not an event', async () => {
  const rig = await startBleRig();
  try {
    const btn = new BthomeSensor({ address: 'aa:bb:cc:00:00:01', triggerBased: true, readings: { 0x01: 100 } });
    rig.sim.add(btn);
    btn.press('press');
    rig.sim.advertise(btn.address);
    btn.press('double_press');
    btn.rotate('rotate_left', 3);
    rig.sim.advertise(btn.address);
    btn.press('none');
    rig.sim.advertise(btn.address);
    await rig.clock.settle();
    const id = rig.thingId(btn.address);
    const td = rig.gw.hub.getThing(id).nativeTd as unknown as { events: Record<string, unknown> };
    assert.deepEqual(Object.keys(td.events).sort(), ['button', 'dimmer']);
    assert.deepEqual(rig.events.map((e) => [e.name, e.data]), [
      ['button', 'press'],
      ['button', 'double_press'],
      ['dimmer', { event: 'rotate_left', steps: 3 }],
    ]);
  } finally {
    await rig.stop();
  }
});

test('packet ids: a repeat inside the window is dropped, the same id after the window is new', async () => {
  const rig = await startBleRig({ packetIdWindowMs: 4000 });
  try {
    const s = new BthomeSensor({ address: 'aa:bb:cc:00:00:02', triggerBased: true, readings: { 0x01: 50 } });
    rig.sim.add(s);
    const frames: Uint8Array[] = [];
    rig.sim.on('advertisement', (a: { serviceData: Array<{ data: Uint8Array }> }) => frames.push(a.serviceData[0]!.data));
    rig.sim.advertise(s.address);
    await rig.clock.settle();
    const replay = () => rig.sim.emit('advertisement', { address: s.address, connectable: false, rssi: -60, serviceData: [{ uuid: 'fcd2', data: frames[0]! }] });
    replay();
    assert.equal(rig.binding.status().counters['bthomeDuplicates'], 1);
    await rig.clock.advance(5000);
    replay();
    assert.equal(rig.binding.status().counters['bthomeDuplicates'], 1);
    assert.equal(rig.binding.status().counters['bthomeFrames'], 2, 'the first frame and the late repeat');
  } finally {
    await rig.stop();
  }
});

test('a sensor out of range goes offline, and online again when heard', async () => {
  const rig = await startBleRig({ offlineAfterMs: 60000, watchdogIntervalMs: 5000 });
  try {
    const s = new BthomeSensor({ address: 'aa:bb:cc:00:00:03', intervalMs: 10000, readings: { 0x02: 20 } });
    rig.sim.add(s);
    await rig.clock.advance(10000);
    const id = rig.thingId(s.address);
    assert.equal(rig.gw.hub.getThing(id).online, true);
    s.inRange = false;
    await rig.clock.advance(90000);
    assert.equal(rig.gw.hub.getThing(id).online, false);
    s.inRange = true;
    await rig.clock.advance(10000);
    assert.equal(rig.gw.hub.getThing(id).online, true);
  } finally {
    await rig.stop();
  }
});

test('a frame carrying another sensor\'s MAC must be sealed with that sensor\'s key: no injection, no counter pushed out of reach', async () => {
  const own = '00112233445566778899aabbccddeeff';
  const rig = await startBleRig({ bindKeys: { '54:48:E6:8F:80:A5': KEY, '11:22:33:44:55:66': own } });
  try {
    const victim = new BthomeSensor({ address: '54:48:e6:8f:80:a5', bindKey: KEY, intervalMs: 10000, readings: { 0x02: 20 } });
    rig.sim.add(victim);
    await rig.clock.advance(10000);
    const id = rig.thingId('54:48:e6:8f:80:a5');
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 20);
    const from = (address: string, data: Uint8Array) => rig.sim.hear({ address, connectable: false, rssi: -40, serviceData: [{ uuid: 'fcd2', data }] });
    // Keyless sender, plaintext, the victim's MAC inside (device-info bit 1): a downgrade.
    from('77:77:77:77:77:77', encodeBthome({ objects: [{ id: 0x02, value: 55 }], includeMac: true, mac: victim.address }));
    // A sender with a key of its own, the victim's MAC inside and a counter far ahead.
    from('11:22:33:44:55:66', encodeBthome({ objects: [{ id: 0x02, value: 77 }], includeMac: true, mac: victim.address, key: parseBindKey(own), counter: 4_000_000_000 }));
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 20);
    const c = rig.binding.status().counters;
    assert.equal(c['bthomePlaintextRejected'], 1);
    assert.equal(c['bthomeDecryptFailures'], 1);
    // The real sensor's next frames still get through (its counter was not overtaken).
    victim.setReading(0x02, 21.5);
    await rig.clock.advance(10000);
    assert.equal(rig.gw.hub.readProperty(id, 'temperature')?.value, 21.5);
    assert.equal(rig.binding.status().counters['bthomeReplays'], 0);
  } finally {
    await rig.stop();
  }
});
