import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../../firmware-sim/fleet/prng.js';

const draw = (p: Prng, n: number): number[] => Array.from({ length: n }, () => p.nextUint32());

describe('Prng', () => {
  it('gives the same numbers for the same seed, others for another', () => {
    assert.deepEqual(draw(new Prng(42), 5), draw(new Prng('42'), 5));
    assert.notDeepEqual(draw(new Prng(42), 5), draw(new Prng(43), 5));
  });

  it('forks streams that depend only on the seed and the label', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    draw(a, 100); // drawing from the parent does not move a fork
    assert.deepEqual(draw(a.fork('dev-1'), 5), draw(b.fork('dev-1'), 5));
    assert.notDeepEqual(draw(b.fork('dev-1'), 5), draw(b.fork('dev-2'), 5));
    assert.equal(a.fork('x').fork('y').seed, '7/x/y');
  });

  it('is roughly uniform and in range', () => {
    const p = new Prng('uniform');
    const buckets = new Array<number>(10).fill(0);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 20000; i++) {
      const x = p.next();
      assert.ok(x >= 0 && x < 1);
      buckets[Math.floor(x * 10)]!++;
      const n = p.normal();
      sum += n;
      sq += n * n;
    }
    for (const b of buckets) assert.ok(b > 1800 && b < 2200, `bucket ${b}`);
    assert.ok(Math.abs(sum / 20000) < 0.05, 'normal mean ~0');
    assert.ok(Math.abs(sq / 20000 - 1) < 0.05, 'normal variance ~1');
    const ints = new Set(Array.from({ length: 1000 }, () => p.int(3)));
    assert.deepEqual([...ints].sort(), [0, 1, 2]);
    assert.equal(p.chance(0), false);
  });
});
