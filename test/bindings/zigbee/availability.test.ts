/** Availability verdicts: mains devices are pinged after their timeout, battery devices are not. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { availabilityVerdict, sweepAvailability, type SweptDevice } from '../../../bindings/zigbee/availability.js';

const o = { mainsTimeoutMs: 600_000, batteryTimeoutMs: 90_000_000 };

test('mains: online while heard recently, ping after the timeout', () => {
  assert.equal(availabilityVerdict({ key: 'a', mainsPowered: true, lastHeardMs: 0 }, 600_000, o), 'online');
  assert.equal(availabilityVerdict({ key: 'a', mainsPowered: true, lastHeardMs: 0 }, 600_001, o), 'ping');
});

test('battery: never pinged, offline after the last-seen timeout', () => {
  assert.equal(availabilityVerdict({ key: 'b', mainsPowered: false, lastHeardMs: 0 }, 600_001, o), 'online');
  assert.equal(availabilityVerdict({ key: 'b', mainsPowered: false, lastHeardMs: 0 }, 90_000_001, o), 'offline');
});

test('sweep: a silent mains device that answers its ping stays online, one that does not goes offline; a long-silent battery device goes offline unpinged', async () => {
  const now = 1_000_000;
  const devices: SweptDevice[] = [
    { ieee: 'plug-answers', mainsPowered: true, lastHeardMs: 0, online: true },
    { ieee: 'plug-silent', mainsPowered: true, lastHeardMs: 0, online: true },
    { ieee: 'plug-recent', mainsPowered: true, lastHeardMs: now - 1000, online: false },
    { ieee: 'door-old', mainsPowered: false, lastHeardMs: now - 90_000_001, online: true },
  ];
  const pinged: string[] = [];
  const changes: Array<[string, boolean]> = [];
  const counters = { pings: 0, pingFailures: 0 };
  await sweepAvailability(devices, {
    now: () => now,
    ping: async (ieee) => {
      pinged.push(ieee);
      if (ieee === 'plug-silent') throw new Error('no answer');
    },
    setOnline: (d, online) => {
      changes.push([d.ieee, online]);
      d.online = online;
    },
    counters,
  }, o);
  assert.deepEqual(pinged, ['plug-answers', 'plug-silent']);
  assert.deepEqual(counters, { pings: 2, pingFailures: 1 });
  assert.equal(devices[0]!.lastHeardMs, now, 'an answered ping counts as heard');
  assert.deepEqual(changes, [['plug-silent', false], ['plug-recent', true], ['door-old', false]]);
});
