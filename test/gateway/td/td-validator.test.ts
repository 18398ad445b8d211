import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveConsumerTd } from '../../../gateway/td/consumer-td.js';
import { assertValidTd, isValidTd, TD_SCHEMA_VERSION } from '../../../gateway/td/td-validator.js';
import { systemTd } from '../../../gateway/system/system-binding.js';
import { TdInvalidError } from '../../../protocols/errors.js';
import { deviceTd } from '../../helpers/fake-device-binding.js';

const valid = () => deviceTd() as Record<string, unknown>;

describe('TD validation against the W3C TD 1.1 schema', () => {
  it('uses the TD 1.1 schema shipped by wot-thing-description-types', () => {
    assert.match(TD_SCHEMA_VERSION, /^1\.1/);
  });

  it('accepts valid native TDs and the consumer TDs derived from them', () => {
    for (const td of [deviceTd(), systemTd(true), systemTd(false)]) {
      assert.doesNotThrow(() => assertValidTd(td));
      const consumer = deriveConsumerTd(td, 'urn:roost:test:x', { httpBase: 'http://gw:8080', mqttBase: 'mqtt://gw:1883' });
      assert.doesNotThrow(() => assertValidTd(consumer));
      assert.doesNotThrow(() => assertValidTd(deriveConsumerTd(td, 'urn:roost:test:x', { httpBase: 'http://gw:8080' })));
    }
  });

  const invalid: Array<[string, (td: Record<string, unknown>) => void, RegExp]> = [
    ['no title', (td) => delete td['title'], /title/],
    ['no security', (td) => delete td['security'], /security/],
    ['no securityDefinitions', (td) => delete td['securityDefinitions'], /securityDefinitions/],
    ['no @context', (td) => delete td['@context'], /@context/],
    ['a wrong context', (td) => (td['@context'] = 'https://example.com/ctx'), /@context/],
    ['a property without forms', (td) => ((td['properties'] as Record<string, Record<string, unknown>>)['brightness'] = { type: 'integer' }), /forms/],
    ['an unknown data type', (td) => ((td['properties'] as Record<string, Record<string, unknown>>)['brightness'] = { type: 'decimal', forms: [{ href: 'x' }] }), /type/],
    ['a form without href', (td) => ((td['actions'] as Record<string, Record<string, unknown>>)['reset'] = { forms: [{ op: 'invokeaction' }] }), /href/],
    ['a non-URI id', (td) => (td['id'] = 'not a uri'), /id/],
  ];
  for (const [what, mutate, where] of invalid) {
    it(`rejects a TD with ${what}, naming where`, () => {
      const td = valid();
      mutate(td);
      assert.equal(isValidTd(td), false);
      assert.throws(() => assertValidTd(td), (e: unknown) => e instanceof TdInvalidError && where.test(e.message) && e.httpStatus === 400);
    });
  }

  it('refuses a TD of 20,000 bad links at once, naming the first (the errors of a hostile TD are not all gathered)', () => {
    // 40 KB of JSON: gathering every error held the event loop for about two minutes (quadratic).
    const td = { ...valid(), links: Array<number>(20_000).fill(5) };
    const t0 = performance.now();
    assert.throws(() => assertValidTd(td), (e: unknown) => e instanceof TdInvalidError && /\/links\/0/.test(e.message) && e.message.length < 1000);
    assert.ok(performance.now() - t0 < 2000, `took ${Math.round(performance.now() - t0)} ms`);
  });
});
