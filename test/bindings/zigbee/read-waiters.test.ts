import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadWaiters } from '../../../bindings/zigbee/read-waiters.js';
import { DeviceTimeoutError } from '../../../protocols/errors.js';

test('a report answers every read of its device and key, and no other', async () => {
  const r = new ReadWaiters();
  const a = r.wait('0x01', 'state', 5000, 'a');
  const b = r.wait('0x01', 'state', 5000, 'b');
  const other = r.wait('0x02', 'state', 50, 'other device');
  r.reported('0x01', { brightness: 10 });
  assert.equal(r.size, 3, 'another key answers nothing');
  r.reported('0x01', { state: 'ON', brightness: 12 });
  assert.deepEqual(await Promise.all([a, b]), ['ON', 'ON']);
  await assert.rejects(other, (e: unknown) => e instanceof DeviceTimeoutError && /other device/.test((e as Error).message));
  assert.equal(r.size, 0);
});

test('a read with no report times out with DeviceTimeoutError; endAll ends the rest with no value', async () => {
  const r = new ReadWaiters();
  await assert.rejects(r.wait('0x01', 'state', 20, '0x01 did not answer'), DeviceTimeoutError);
  const pending = r.wait('0x01', 'state', 5000, 'x');
  r.endAll();
  assert.equal(await pending, undefined);
  assert.equal(r.size, 0);
});
