import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../../firmware-sim/ble/virtual-clock.js';

test('timers fire in time order (FIFO for equal times) as time advances; cleared ones never', async () => {
  const c = new VirtualClock(1000);
  const fired: string[] = [];
  c.setTimeout(() => fired.push('b@300'), 300);
  c.setTimeout(() => fired.push('a@100'), 100);
  c.setTimeout(() => fired.push('a2@100'), 100);
  const h = c.setTimeout(() => fired.push('never'), 200);
  c.clearTimeout(h);
  await c.advance(250);
  assert.deepEqual(fired, ['a@100', 'a2@100']);
  assert.equal(c.now(), 1250);
  await c.advance(50);
  assert.deepEqual(fired, ['a@100', 'a2@100', 'b@300']);
  assert.equal(c.pendingTimers, 0);
});

test('a timer set from a timer fires in the same advance when due; promise chains settle between timers', async () => {
  const c = new VirtualClock(0);
  const seen: number[] = [];
  const tick = () => {
    seen.push(c.now());
    if (seen.length < 5) c.setTimeout(tick, 10);
  };
  c.setTimeout(tick, 10);
  let chained = false;
  c.setTimeout(() => void Promise.resolve().then(() => Promise.resolve()).then(() => { chained = true; }), 5);
  await c.advance(100);
  assert.deepEqual(seen, [10, 20, 30, 40, 50]);
  assert.equal(chained, true);
});
