/** Device activity per profile: readings change within their ranges, buttons press, doors toggle. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTIVITY, tick } from '../../../firmware-sim/zigbee/activity.js';
import { PROFILES } from '../../../firmware-sim/zigbee/profiles.js';
import { SimDevice, type ZclUplink } from '../../../firmware-sim/zigbee/sim-device.js';

test('every profile has an activity, and a tick makes every joined device transmit', () => {
  assert.deepEqual(Object.keys(ACTIVITY).sort(), Object.keys(PROFILES).sort());
  const out: ZclUplink[] = [];
  const devices = Object.values(PROFILES).map((p, i) => {
    const d = new SimDevice(p, { ieee: `0x000000000000000${i}`, awakeWindowMs: 100 });
    d.joined = true;
    d.onUplink = (u) => out.push(u);
    return d;
  });
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 50; i++) assert.equal(tick(devices, rnd), 4);
  const th = devices.find((d) => d.profile.name === 'temperature-humidity-sensor')!;
  const t = th.get(1, 0x0402, 0) as number;
  assert.ok(t >= -1000 && t <= 4000);
  const door = devices.find((d) => d.profile.name === 'door-sensor')!;
  assert.equal(door.get(2, 0x0500, 0x0002), 0, 'an even number of toggles closes the door');
  assert.ok(out.some((u) => u.cluster === 0x0006), 'the button pressed');
  devices[0]!.joined = false;
  assert.equal(tick(devices, rnd), 3, 'devices not joined stay quiet');
});
