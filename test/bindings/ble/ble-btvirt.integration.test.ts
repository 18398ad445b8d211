/**
 * Real stack: real @stoprocent/noble (UART HCI driver) in the gateway's BLE binding on one
 * emulated controller, firmware-sim devices on real @stoprocent/bleno on others, all on BlueZ's
 * btvirt through socat ptys. A BTHome sensor seen; a GATT device read, written and notifying;
 * a queued write delivered on a sleepy device's next visit.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { REFERENCE_INTERVAL_CHAR, REFERENCE_SERVICE } from '../../../firmware-sim/ble/gatt-peripheral.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { BlenoDevice, startBtvirt, until, type BtvirtRig } from './btvirt-rig.js';

const KEY = '231d39c1d7cc1ab1aee224cd096db932';
const interval = { name: 'reportInterval', service: REFERENCE_SERVICE, characteristic: REFERENCE_INTERVAL_CHAR, read: true, write: true, type: 'uint', length: 2, unit: 's' };

let rig: BtvirtRig;
let gw: TestGateway;
let sensor: BlenoDevice;
let sleepy: BlenoDevice;
let mains: BlenoDevice;
const thingId = (address: string) => `urn:roost:ble:${address.replace(/:/g, '')}`;
/** The twin value, or undefined while the thing does not exist yet. */
function value(id: string, name: string): unknown {
  return gw.hub.listThings({ limit: 1000 }).items.some((t) => t.id === id) ? gw.hub.readProperty(id, name)?.value : undefined;
}

before(async () => {
  rig = await startBtvirt(4);
  const [central, p1, p2, p3] = rig.ports as [string, string, string, string];
  [sensor, sleepy, mains] = await Promise.all([
    BlenoDevice.start(p1, 'bthome', ['--key', KEY]),
    BlenoDevice.start(p2, 'gatt', ['--name', 'Cellar']),
    BlenoDevice.start(p3, 'gatt', ['--name', 'Hall']),
  ]);
  gw = await startTestGateway({
    bindings: {
      ble: {
        enabled: true,
        adapter: { driver: 'uart', uartPort: central },
        bindKeys: { [sensor.address]: KEY },
        gattDevices: [
          { address: sleepy.address, name: 'Cellar', sleepy: true, mappings: [interval] },
          { address: mains.address, name: 'Hall', sleepy: false, mappings: [interval] },
        ],
        reconnectMinMs: 200,
        reconnectMaxMs: 1000,
      },
    },
  });
  await until('BLE adapter powered on', () => gw.binding('ble')?.status().state === 'running', 10000);
});

after(async () => {
  await gw?.stop();
  await Promise.all([sensor?.stop(), sleepy?.stop(), mains?.stop()]);
  await rig?.stop();
});

test('an encrypted BTHome sensor on bleno is seen by noble and becomes a thing', async () => {
  sensor.send({ cmd: 'advertise' });
  const id = thingId(sensor.address);
  await until('BTHome thing', () => value(id, 'temperature') !== undefined, 5000);
  assert.equal(value(id, 'temperature'), 21.5);
  assert.equal(value(id, 'humidity'), 40.25);
  sensor.send({ cmd: 'reading', id: 2, value: 19.75 });
  sensor.send({ cmd: 'advertise' });
  await until('second frame', () => value(id, 'temperature') === 19.75, 5000);
});

test('a sleepy GATT device: first visit registers it, a queued write goes out on the next visit', async () => {
  sleepy.send({ cmd: 'advertise' });
  const id = thingId(sleepy.address);
  await until('sleepy GATT thing', () => value(id, 'humidity') !== undefined, 8000);
  await sleepy.waitFor('disconnect', 5000);
  const w = gw.hub.writeProperty(id, 'reportInterval', 600);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(gw.hub.getAction(w.id).state, 'queued', 'asleep: the write waits');
  sleepy.send({ cmd: 'advertise' });
  const done = await gw.hub.waitForAction(w.id, 8000);
  assert.equal(done.state, 'completed');
  await sleepy.waitFor('write', 2000);
  assert.equal(sleepy.lines.find((l) => l['event'] === 'write')?.['hex'], '5802');
  await sleepy.waitFor('disconnect', 5000, 2);
});

// Runs after the sleepy device's sessions: with two links open at once on btvirt, noble's GATT
// discovery on the second link stalled (no ATT traffic after the MTU exchange); see docs/bindings/ble.md.
test('an always-on GATT device: connected, read, notifying, written at once', async () => {
  mains.send({ cmd: 'advertise' });
  const id = thingId(mains.address);
  await until('mains GATT thing read', () => value(id, 'manufacturer') !== undefined, 8000);
  assert.equal(value(id, 'temperature'), 21.5);
  assert.equal(value(id, 'model'), 'RL-ENV-1');
  // Notifications: subscriptions are set up right after the reads.
  await until('subscribed', () => (gw.binding('ble')?.status().gauges?.['gattDevicesConnected'] ?? 0) >= 1, 5000);
  await new Promise((r) => setTimeout(r, 200));
  mains.send({ cmd: 'set', service: '181a', uuid: '2a6e', hex: '1009' });
  await until('notification', () => value(id, 'temperature') === 23.2, 5000);
  const w = gw.hub.writeProperty(id, 'reportInterval', 90);
  const done = await gw.hub.waitForAction(w.id, 5000);
  assert.equal(done.state, 'completed');
  await mains.waitFor('write', 2000);
  assert.equal(mains.lines.find((l) => l['event'] === 'write')?.['hex'], '5a00');
});
