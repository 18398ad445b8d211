import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateGuard } from '../../../gateway/mqtt/duplicate-guard.js';

describe('DuplicateGuard (MQTT 3.1.1 §4.3.2 QoS 1 resends)', () => {
  const make = (clock: { t: number }, maxEntries = 100) => new DuplicateGuard({ maxEntries, windowMs: 1000, now: () => clock.t });

  it('drops a DUP resend of a packet id it took, never a new PUBLISH that reuses the id', () => {
    const g = make({ t: 0 });
    assert.equal(g.isDuplicate('c1', 7, false), false);
    assert.equal(g.isDuplicate('c1', 7, true), true);
    assert.equal(g.isDuplicate('c1', 7, false), false, 'id reused after PUBACK: a new request');
    assert.equal(g.isDuplicate('c2', 7, true), false, 'another client');
    assert.equal(g.isDuplicate('c1', undefined, true), false, 'QoS 0 has no id');
  });

  it('takes a DUP whose first copy it never saw (lost before it arrived), and forgets after the window', () => {
    const clock = { t: 0 };
    const g = make(clock);
    assert.equal(g.isDuplicate('c1', 9, true), false);
    assert.equal(g.isDuplicate('c1', 9, true), true);
    clock.t += 1001;
    assert.equal(g.isDuplicate('c1', 9, true), false);
  });

  it('stays bounded, forgetting the oldest id first', () => {
    const g = make({ t: 0 }, 2);
    g.isDuplicate('c', 1, false);
    g.isDuplicate('c', 2, false);
    g.isDuplicate('c', 3, false);
    assert.equal(g.isDuplicate('c', 1, true), false, 'forgotten');
    assert.equal(g.isDuplicate('c', 3, true), true);
  });
});
