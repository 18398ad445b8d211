import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCborJson } from '../../protocols/cbor.js';
import { CborMalformedError } from '../../protocols/errors.js';

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');

describe('decodeCborJson: device values must be JSON data (found by fuzzing)', () => {
  it('takes maps, arrays, text, finite numbers, booleans, null and byte strings', () => {
    // {"a": [1, -2.5, "x", true, null], "b": h'00'}
    assert.deepEqual(decodeCborJson(hex('a2 61 61 85 01 f9 c1 00 61 78 f5 f6 61 62 41 00')), { a: [1, -2.5, 'x', true, null], b: Buffer.from([0]) });
  });

  for (const [what, h] of [
    ['a uint64 beyond 2^53 (a BigInt made the twin and the queue store throw)', 'a1 61 6f a1 61 61 1b ff ff ff ff ff ff ff ff'],
    ['a bignum (tag 2)', 'a1 61 78 c2 49 01 00 00 00 00 00 00 00 00'],
    ['NaN', 'a1 61 78 f9 7e 00'],
    ['Infinity', '81 f9 7c 00'],
    ['undefined', 'a1 61 78 f7'],
    ['a date (tag 1)', 'a1 61 78 c1 1a 5f 00 00 00'],
    ['a set (tag 258)', 'a1 61 78 d9 01 02 81 01'],
  ] as const) {
    it(`refuses ${what}`, () => {
      assert.throws(() => decodeCborJson(hex(h)), (e: unknown) => e instanceof CborMalformedError && /no JSON form/.test((e as Error).message));
    });
  }

  it('checks deep nesting without recursion', () => {
    const depth = 5000;
    const bytes = Buffer.concat([Buffer.alloc(depth, 0x81), hex('f9 7e 00')]);
    assert.throws(() => decodeCborJson(bytes), CborMalformedError);
  });
});
