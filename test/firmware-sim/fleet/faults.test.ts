import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultyLink, planDevice } from '../../../firmware-sim/fleet/faults.js';
import { Prng } from '../../../firmware-sim/fleet/prng.js';
import type { FaultSpec } from '../../../firmware-sim/fleet/scenario.js';

const NONE: FaultSpec = { loss: 0, duplication: 0, reorder: 0, rebootPerWake: 0, clockDriftPpm: 0, batteryDepletion: { fraction: 0, remainingMah: 0 } };
const b = (n: number): Buffer => Buffer.from([n]);

describe('faults', () => {
  it('a clean link passes every datagram once, in order', () => {
    const link = new FaultyLink(NONE, new Prng(1));
    assert.equal(link.active, false);
    const out = [1, 2, 3].flatMap((n) => link.up(b(n)));
    assert.deepEqual(out, [b(1), b(2), b(3)]);
  });

  it('loss, duplication and reordering happen at their rates and are counted', () => {
    const link = new FaultyLink({ ...NONE, loss: 0.1, duplication: 0.1, reorder: 0.1 }, new Prng(2));
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) out.push(...link.up(b(i % 256)).map((x) => x[0]!));
    out.push(...link.flush().map((x) => x[0]!));
    const c = link.counters;
    assert.ok(c.lost > 400 && c.lost < 600, `lost ${c.lost}`);
    assert.ok(c.duplicated > 350 && c.duplicated < 550, `dup ${c.duplicated}`);
    assert.ok(c.reordered > 300 && c.reordered < 550, `reordered ${c.reordered}`);
    assert.equal(out.length, 5000 - c.lost + c.duplicated);
  });

  it('a held datagram goes out right after the next one', () => {
    const link = new FaultyLink({ ...NONE, reorder: 1 }, new Prng(3));
    assert.deepEqual(link.up(b(1)), []);
    assert.deepEqual(link.up(b(2)), [b(2), b(1)]);
    assert.deepEqual(link.up(b(3)), []);
    assert.deepEqual(link.flush(), [b(3)]);
    assert.deepEqual(link.flush(), []);
  });

  it('the same seed makes the same decisions', () => {
    const run = (): string => {
      const link = new FaultyLink({ ...NONE, loss: 0.3, duplication: 0.3, reorder: 0.3 }, new Prng('same'));
      return Array.from({ length: 200 }, (_, i) => link.up(b(i)).map((x) => x[0]).join(',')).join('|') + JSON.stringify(link.counters);
    };
    assert.equal(run(), run());
  });

  it('plans drift within bounds and a share of nearly empty batteries', () => {
    const spec = { ...NONE, clockDriftPpm: 40, batteryDepletion: { fraction: 0.25, remainingMah: 0.5 } };
    const plans = Array.from({ length: 400 }, (_, i) => planDevice(spec, 2400, true, new Prng(i)));
    assert.ok(plans.every((p) => Math.abs(p.driftPpm) <= 40));
    const empty = plans.filter((p) => p.startChargeMah === 0.5).length;
    assert.ok(empty > 70 && empty < 130, `${empty} nearly empty`);
    assert.equal(planDevice(spec, 2400, false, new Prng(1)).startChargeMah, Infinity, 'mains devices have no battery');
  });
});
