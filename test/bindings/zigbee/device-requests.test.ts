/**
 * Deliveries and reads of a Zigbee device against a stack that records what it is asked: which
 * errors the hub's queue retries and which fail an item, what an action answers, and where a read
 * is answered from (the device, or what a sleepy one last said).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QueuedItem } from '../../../gateway/binding.js';
import { DeviceTimeoutError, RoostError } from '../../../protocols/errors.js';
import { deliverToDevice, deviceIdOf, ieeeOf, readFromDevice, type DeviceEntry } from '../../../bindings/zigbee/device-requests.js';
import { ReadWaiters } from '../../../bindings/zigbee/read-waiters.js';
import type { ZigbeeStack } from '../../../bindings/zigbee/zigbee-stack.js';

const IEEE = '0x00124b0000000001';

function entry(patch: Partial<DeviceEntry> = {}): DeviceEntry {
  return {
    ieee: IEEE, thingId: 'urn:roost:zigbee:00124b0000000001', sleepy: false, mainsPowered: true, lastHeardMs: 0, online: true,
    values: { state_l1: 'OFF' },
    routes: {
      td: {} as never, skipped: [],
      properties: { state: { property: 'state_l1', gettable: true }, power: { property: 'power', gettable: false } },
      actions: { identify: { property: 'identify', fixedValue: 'identify', gettable: false }, toggle: { property: 'state_l1', gettable: false } },
    },
    ...patch,
  };
}

function item(kind: 'write' | 'action', name: string, input: unknown = undefined): QueuedItem {
  return { id: 'q1', thingId: 'urn:roost:zigbee:00124b0000000001', deviceId: '00124b0000000001', kind, name, input, attempt: 1, expiresAt: Date.now() + 60_000 };
}

/** A stack whose set/get answer as told and record their calls. */
function stack(answer: () => Promise<unknown>): { stack: ZigbeeStack; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const s = {
    set: async (...args: unknown[]) => { calls.push(['set', ...args]); return answer(); },
    get: async (...args: unknown[]) => { calls.push(['get', ...args]); return answer(); },
  };
  return { stack: s as unknown as ZigbeeStack, calls };
}

const counters = () => ({ deliveryRetries: 0, deliveryFailures: 0 });

test('a write goes out with its input, an action with its fixed value, and answers what the converter answered', async () => {
  const { stack: s, calls } = stack(async () => ({ state_l1: 'ON' }));
  const c = counters();
  assert.deepEqual(await deliverToDevice(entry(), item('write', 'state', 'ON'), s, c), { state: 'completed' });
  assert.deepEqual(await deliverToDevice(entry(), item('action', 'identify', { ignored: true }), s, c), { state: 'completed', output: { state_l1: 'ON' } });
  assert.deepEqual(calls, [['set', IEEE, 'state_l1', 'ON'], ['set', IEEE, 'identify', 'identify']]);
  assert.deepEqual(c, { deliveryRetries: 0, deliveryFailures: 0 });
});

test('not reachable now is retried; any other error, an unknown affordance or device fails the item', async () => {
  const c = counters();
  const timeout = stack(async () => { throw new Error('Delivery failed for 12345 (MAC_NO_ACK)'); }).stack;
  assert.deepEqual(await deliverToDevice(entry(), item('write', 'state', 'ON'), timeout, c), { state: 'retry', reason: 'Delivery failed for 12345 (MAC_NO_ACK)' });
  assert.deepEqual(await deliverToDevice(entry(), item('write', 'state', 'ON'), null, c), { state: 'retry', reason: 'coordinator not connected' });
  const refused = stack(async () => { throw new Error('Value out of range'); }).stack;
  assert.deepEqual(await deliverToDevice(entry(), item('write', 'state', 'ON'), refused, c), { state: 'failed', error: 'Value out of range' });
  // Our own errors fail with their code even when the message reads like a timeout.
  const ours = stack(async () => { throw new DeviceTimeoutError('the device timed out'); }).stack;
  const failed = await deliverToDevice(entry(), item('write', 'state', 'ON'), ours, c);
  assert.equal(failed.state, 'failed');
  assert.equal((failed as { code?: string }).code, new DeviceTimeoutError().code);
  assert.ok(new DeviceTimeoutError() instanceof RoostError);
  const noRoute = await deliverToDevice(entry(), item('write', 'humidity', 5), refused, c);
  assert.match((noRoute as { error: string }).error, /has no writable property humidity/);
  const noAction = await deliverToDevice(entry(), item('action', 'reboot'), refused, c);
  assert.match((noAction as { error: string }).error, /has no action reboot/);
  assert.equal((await deliverToDevice(undefined, item('write', 'state', 'ON'), refused, c)).state, 'failed');
  assert.deepEqual(c, { deliveryRetries: 2, deliveryFailures: 5 });
});

test('a read asks an always-on device and answers with its report; a sleepy device answers from what it said', async () => {
  const reads = new ReadWaiters();
  const { stack: s, calls } = stack(async () => {
    setImmediate(() => reads.reported(IEEE, { state_l1: 'ON' }));
    return undefined;
  });
  assert.equal(await readFromDevice(entry(), 'urn:x', 'state', { stack: s, reads, readTimeoutMs: 1000 }), 'ON');
  assert.deepEqual(calls, [['get', IEEE, 'state_l1']]);
  assert.equal(await readFromDevice(entry({ sleepy: true }), 'urn:x', 'state', { stack: s, reads, readTimeoutMs: 1000 }), 'OFF');
  assert.equal(await readFromDevice(entry(), 'urn:x', 'state', { stack: null, reads, readTimeoutMs: 1000 }), 'OFF', 'no coordinator: the last value');
  assert.equal(calls.length, 1);
  await assert.rejects(readFromDevice(entry(), 'urn:x', 'nothing', { stack: s, reads, readTimeoutMs: 1000 }), /has no property nothing/);
  const silent = stack(async () => undefined).stack;
  await assert.rejects(readFromDevice(entry(), 'urn:x', 'state', { stack: silent, reads, readTimeoutMs: 50 }), DeviceTimeoutError);
});

test('device ids are the IEEE address in lowercase hex, and back', () => {
  assert.equal(deviceIdOf('0x00124B0012345678'), '00124b0012345678');
  assert.equal(ieeeOf('00124B0012345678'), '0x00124b0012345678');
});
