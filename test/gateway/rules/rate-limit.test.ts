/**
 * A rule's rate limit and its conditions, alone: a burst of perMinute firings, then one each
 * 60/perMinute seconds, never more than the burst after a quiet hour; conditions compare twin
 * values by op, and a missing value or a number against a string never holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failedCondition } from '../../../gateway/rules/conditions.js';
import { RateLimit } from '../../../gateway/rules/rate-limit.js';
import type { Condition } from '../../../gateway/rules/rule-types.js';

describe('RateLimit', () => {
  it('perMinute in a burst, then evenly; a quiet hour refills the burst and no more', () => {
    const r = new RateLimit(2, 0);
    assert.deepEqual([r.take(0), r.take(1), r.take(2)], [true, true, false]);
    assert.equal(r.take(29_999), false);
    assert.equal(r.take(30_002), true);
    assert.equal(r.take(30_003), false);
    const later = 3_600_000;
    assert.deepEqual([r.take(later), r.take(later), r.take(later)], [true, true, false]);
  });
});

describe('failedCondition', () => {
  const twin: Record<string, unknown> = { 'urn:lamp/on': true, 'urn:lamp/level': 40, 'urn:lamp/mode': 'eco', 'urn:lamp/rgb': [1, 2, 3] };
  const read = (thingId: string, property: string) => twin[`${thingId}/${property}`];
  const c = (property: string, op: Condition['op'], value: Condition['value']): Condition => ({ thingId: 'urn:lamp', property, op, value });

  it('holds when every comparison does', () => {
    assert.equal(failedCondition([c('on', 'eq', true), c('level', 'gt', 30), c('level', 'le', 40), c('mode', 'ne', 'off'), c('mode', 'lt', 'z')], read), null);
    assert.equal(failedCondition([], read), null);
  });

  it('says which one does not hold, and why', () => {
    assert.equal(failedCondition([c('on', 'eq', true), c('level', 'ge', 41)], read), 'level of urn:lamp is 40, not ge 41');
    assert.equal(failedCondition([c('missing', 'eq', 1)], read), 'missing of urn:lamp has no value');
    assert.equal(failedCondition([c('level', 'lt', '50')], read), 'level of urn:lamp is 40, not lt "50"');
    assert.equal(failedCondition([c('rgb', 'eq', 1)], read), 'rgb of urn:lamp is not a number, string or boolean');
  });
});
