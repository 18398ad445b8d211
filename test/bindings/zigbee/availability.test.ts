/** Availability verdicts: mains devices are pinged after their timeout, battery devices are not. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { availabilityVerdict } from '../../../bindings/zigbee/availability.js';

const o = { mainsTimeoutMs: 600_000, batteryTimeoutMs: 90_000_000 };

test('mains: online while heard recently, ping after the timeout', () => {
  assert.equal(availabilityVerdict({ key: 'a', mainsPowered: true, lastHeardMs: 0 }, 600_000, o), 'online');
  assert.equal(availabilityVerdict({ key: 'a', mainsPowered: true, lastHeardMs: 0 }, 600_001, o), 'ping');
});

test('battery: never pinged, offline after the last-seen timeout', () => {
  assert.equal(availabilityVerdict({ key: 'b', mainsPowered: false, lastHeardMs: 0 }, 600_001, o), 'online');
  assert.equal(availabilityVerdict({ key: 'b', mainsPowered: false, lastHeardMs: 0 }, 90_000_001, o), 'offline');
});
