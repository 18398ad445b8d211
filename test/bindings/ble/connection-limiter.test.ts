import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionLimiter } from '../../../bindings/ble/connection-limiter.js';

test('slots: tryAcquire refuses past the limit, acquire waits, release is idempotent', async () => {
  const l = new ConnectionLimiter(2);
  const a = l.tryAcquire()!;
  const b = l.tryAcquire()!;
  assert.equal(l.tryAcquire(), null);
  let got = false;
  const waiting = l.acquire().then((r) => {
    got = true;
    return r;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(got, false);
  a();
  a();
  const c = await waiting;
  assert.equal(l.inUse, 2);
  b();
  c();
  assert.equal(l.inUse, 0);
});

test('serialize runs one connect at a time, in order, and survives a failure', async () => {
  const l = new ConnectionLimiter(4);
  let running = 0;
  let max = 0;
  const order: number[] = [];
  const job = (i: number, fail = false) => l.serialize(async () => {
    running++;
    max = Math.max(max, running);
    await new Promise((r) => setImmediate(r));
    running--;
    order.push(i);
    if (fail) throw new Error('Connection Failed');
    return i;
  });
  const results = await Promise.allSettled([job(1), job(2, true), job(3)]);
  assert.equal(max, 1);
  assert.deepEqual(order, [1, 2, 3]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
});
