import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ThingDescription } from '../../../gateway/binding.js';
import { ValueValidator } from '../../../gateway/hub/value-validator.js';
import { ValueInvalidError } from '../../../protocols/errors.js';

/** A TD as each device of one model registers it: a new object every time, the same schemas. */
function sensorTd(max = 100): ThingDescription {
  return {
    title: 'sensor',
    properties: {
      temperature: { type: 'number', readOnly: true, unit: 'cel', forms: [{ href: 'x' }] },
      level: { type: 'integer', minimum: 0, maximum: max, forms: [{ href: 'y' }] },
    },
    actions: { blink: { input: { type: 'object', properties: { times: { type: 'integer', minimum: 1 } }, required: ['times'] }, forms: [{ href: 'z' }] } },
  };
}

describe('ValueValidator', () => {
  it('compiles a data schema once for every TD that has it, and checks each value against its own TD', () => {
    const v = new ValueValidator();
    const fleet = Array.from({ length: 50 }, () => sensorTd());
    for (const td of fleet) {
      assert.equal(v.propertyMismatch(td, 'temperature', 21.5), null);
      assert.match(v.propertyMismatch(td, 'temperature', 'warm') ?? '', /number/);
      assert.equal(v.propertyMismatch(td, 'level', 100), null);
      v.checkInput(td, 'blink', { times: 2 });
    }
    assert.equal(v.compiles, 3, 'temperature, level and the blink input: one validator each for 50 TDs');
    // A model with another range is another schema: its own validator, and the first one still holds.
    const other = sensorTd(10);
    assert.match(v.propertyMismatch(other, 'level', 50) ?? '', /10/);
    assert.equal(v.propertyMismatch(fleet[0] as ThingDescription, 'level', 50), null);
    assert.equal(v.compiles, 4);
    assert.throws(() => v.checkInput(other, 'blink', { times: 0 }), ValueInvalidError);
    assert.equal(v.propertyMismatch(other, 'missing', 1), 'the TD has no property missing');
  });

  it('refuses every value of a data schema ajv cannot compile, with the reason, and compiles it once', () => {
    const v = new ValueValidator();
    const td: ThingDescription = { title: 'odd', properties: { mode: { type: 'string', pattern: '(', forms: [{ href: 'x' }] }, level: { type: 'integer', minimum: 'low', forms: [{ href: 'y' }] } } };
    for (let i = 0; i < 3; i++) assert.match(v.propertyMismatch(td, 'mode', 'a') ?? '', /data schema does not compile: Invalid regular expression/);
    assert.equal(v.compiles, 1);
    assert.match(v.propertyMismatch(td, 'level', 3) ?? '', /data schema does not compile: minimum value must be/);
    assert.throws(() => v.checkWrite(td, 'mode', 'a'), (e: unknown) => e instanceof ValueInvalidError && /does not compile/.test(e.message));
  });

  it('beyond maxSharedSchemas compiles for the TD alone, and still validates', () => {
    const v = new ValueValidator({ maxSharedSchemas: 1 });
    for (let max = 1; max <= 3; max++) for (let i = 0; i < 2; i++) assert.match(v.propertyMismatch(sensorTd(max), 'level', 9) ?? '', new RegExp(`${max}`));
    // The first schema is shared (one compile for both TDs); the two after it are compiled per TD.
    assert.equal(v.compiles, 1 + 2 + 2);
  });
  it('checks a TD\'s backtracking `pattern` in bounded time (a 34-character value held the event loop 90 s)', () => {
    const v = new ValueValidator();
    const td: ThingDescription = {
      title: 'bomb',
      properties: {
        p: { type: 'string', pattern: '^(a+)+$', forms: [{ href: 'x' }] },
        q: { type: 'string', pattern: '^(a|a)*$', forms: [{ href: 'x' }] },
      },
    };
    const t0 = performance.now();
    assert.throws(() => v.checkWrite(td, 'p', 'a'.repeat(40) + '!'), ValueInvalidError);
    assert.match(v.propertyMismatch(td, 'q', 'a'.repeat(40) + '!') ?? '', /pattern/);
    assert.ok(performance.now() - t0 < 1000, `took ${Math.round(performance.now() - t0)} ms`);
    v.checkWrite(td, 'p', 'aaaa');
    assert.equal(v.propertyMismatch(td, 'q', 'aaaa'), null);
  });
  it('lets go of the validators of replaced TDs: 3000 distinct schemas, 100 shared, hold no 3000 validators', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const v = new ValueValidator({ maxSharedSchemas: 100 });
    gc();
    const before = process.memoryUsage().heapUsed;
    // An agent replacing its one TD with new schemas: each TD is dropped after one value.
    for (let i = 0; i < 3000; i++) {
      const props = Object.fromEntries(Array.from({ length: 20 }, (_, j) => [`k${j}_${i}`, { type: 'integer', minimum: i }]));
      const td: ThingDescription = { title: 't', properties: { p: { type: 'object', properties: props, forms: [{ href: 'x' }] } } };
      assert.equal(v.propertyMismatch(td, 'p', {}), null);
    }
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
    // Every validator kept by ajv: about 110 MB.
    assert.ok(grownMb < 40, `heap grew ${grownMb.toFixed(1)} MB`);
    assert.equal(v.compiles, 3000);
  });
});
