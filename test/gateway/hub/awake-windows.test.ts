import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwakeWindows } from '../../../gateway/hub/awake-windows.js';

describe('AwakeWindows', () => {
  it('a window is open until it runs out, and closes early when told', () => {
    const clock = { t: 1000 };
    const w = new AwakeWindows(() => clock.t);
    assert.equal(w.isOpen('a'), false);
    w.open('a', 500);
    assert.equal(w.isOpen('a'), true);
    clock.t = 1499;
    assert.equal(w.isOpen('a'), true);
    clock.t = 1500;
    assert.equal(w.isOpen('a'), false, 'ran out');
    w.open('a', 100);
    w.close('a');
    assert.equal(w.isOpen('a'), false);
  });

  it('sweeps windows that ran out when the table has doubled, keeping the open ones', () => {
    const clock = { t: 0 };
    const w = new AwakeWindows(() => clock.t, 4);
    for (let i = 0; i < 3; i++) w.open(`old${i}`, 10);
    clock.t = 100; // the three ran out
    w.open('live', 1000);
    assert.equal(w.size, 1, 'the fourth entry swept the three that ran out');
    for (let i = 0; i < 1000; i++) {
      w.open(`t${i}`, 5); // each wakes briefly, then the clock moves on
      clock.t += 10;
    }
    assert.ok(w.size <= 8, `bounded by the things awake, not by those ever seen: ${w.size}`);
    assert.equal(w.isOpen('live'), false, 'its window ran out too');
    clock.t = 0;
  });

  it('never sweeps a window still open', () => {
    const clock = { t: 0 };
    const w = new AwakeWindows(() => clock.t, 2);
    for (let i = 0; i < 100; i++) w.open(`t${i}`, 1_000_000);
    assert.equal(w.size, 100);
    for (let i = 0; i < 100; i++) assert.equal(w.isOpen(`t${i}`), true);
  });
});
