import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeReadings, makeValueSource } from '../../../firmware-sim/fleet/generators.js';
import { Prng } from '../../../firmware-sim/fleet/prng.js';

const take = (f: (t: number) => number, n: number, stepMs = 1000): number[] => Array.from({ length: n }, (_, i) => f(i * stepMs));

describe('value generators', () => {
  it('random walk starts at start, moves at most stepMax, stays in bounds, rounds', () => {
    const f = makeValueSource({ generator: 'random-walk', start: 20, stepMax: 0.5, min: 19, max: 21, decimals: 1 }, new Prng(1));
    const v = take(f, 500);
    assert.equal(v[0], 20);
    for (let i = 1; i < v.length; i++) {
      assert.ok(Math.abs(v[i]! - v[i - 1]!) <= 0.5 + 0.05 + 1e-9);
      assert.ok(v[i]! >= 19 && v[i]! <= 21);
      assert.equal(Math.round(v[i]! * 10) / 10, v[i]);
    }
    assert.ok(new Set(v).size > 5, 'it moves');
  });

  it('sine follows mean and amplitude; noise adds spread', () => {
    const clean = take(makeValueSource({ generator: 'sine', mean: 50, amplitude: 10, periodS: 100, phaseS: 0, noise: 0, decimals: 3 }, new Prng(2)), 200);
    assert.ok(Math.max(...clean) <= 60 && Math.max(...clean) > 59.9);
    assert.ok(Math.min(...clean) >= 40 && Math.min(...clean) < 40.1);
    const avg = clean.slice(0, 100).reduce((a, b) => a + b, 0) / 100;
    assert.ok(Math.abs(avg - 50) < 0.01, 'one full period averages to the mean');
    const noisy = take(makeValueSource({ generator: 'sine', mean: 0, amplitude: 0, periodS: 100, phaseS: 0, noise: 2, decimals: 3 }, new Prng(2)), 2000);
    const sd = Math.sqrt(noisy.reduce((a, b) => a + b * b, 0) / noisy.length);
    assert.ok(sd > 1.8 && sd < 2.2, `sd ${sd}`);
  });

  it('replay loops or holds the last value, from a seeded offset', () => {
    const values = [1, 2, 3];
    assert.deepEqual(take(makeValueSource({ generator: 'replay', file: 'f', column: 'c', loop: true, offsetPerDevice: false, values }, new Prng(3)), 7), [1, 2, 3, 1, 2, 3, 1]);
    assert.deepEqual(take(makeValueSource({ generator: 'replay', file: 'f', column: 'c', loop: false, offsetPerDevice: false, values }, new Prng(3)), 5), [1, 2, 3, 3, 3]);
    const starts = new Set(Array.from({ length: 30 }, (_, i) => makeValueSource({ generator: 'replay', file: 'f', column: 'c', loop: true, offsetPerDevice: true, values }, new Prng(i))(0)));
    assert.equal(starts.size, 3, 'devices start at different rows');
  });

  it('readings of a device are reproducible and independent per name', () => {
    const specs = {
      t: { generator: 'random-walk', start: 0, stepMax: 1, min: -10, max: 10, decimals: 2 },
      h: { generator: 'sine', mean: 0, amplitude: 1, periodS: 60, phaseS: 0, noise: 0.1, decimals: 2 },
    } as const;
    const a = makeReadings(specs, new Prng('d'));
    const b = makeReadings({ t: specs.t }, new Prng('d'));
    const ra = take((t) => a(t)['t']!, 20);
    const rb = take((t) => b(t)['t']!, 20);
    assert.deepEqual(ra, rb, 'adding a reading does not change another one');
    const c = makeReadings(specs, new Prng('d'));
    const d = makeReadings(specs, new Prng('d'));
    assert.deepEqual(take((t) => c(t)['h']!, 10), take((t) => d(t)['h']!, 10), 'same seed, same values');
    const e = makeReadings(specs, new Prng('e'));
    assert.notDeepEqual(take((t) => c(t)['h']!, 10), take((t) => e(t)['h']!, 10), 'another device, other values');
  });
});
