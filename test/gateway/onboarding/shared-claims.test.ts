/**
 * Shared claim strings: a record's claims come back equal, key for key; long strings go into a
 * table bounded by its size (the oldest go first), short strings and other values do not.
 * (That records then hold one copy of a model's links is a memory figure: make bench fleet-scale.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SharedClaims } from '../../../gateway/onboarding/shared-claims.js';

const LINKS = '</temp>;rt="roost.p";u="Cel";obs,</interval>;rt="roost.pw";dt="integer"';

describe('shared claims', () => {
  it('gives the claims back equal, in their order; null stays null', () => {
    const s = new SharedClaims();
    const claims = { ep: 's-1', links: LINKS, n: 3, key: { kty: 2 }, flag: true };
    const out = s.share(claims);
    assert.deepEqual(out, claims);
    assert.deepEqual(Object.keys(out!), Object.keys(claims));
    assert.notEqual(out, claims, 'a copy: the caller\'s object is not changed');
    assert.equal(s.share(null), null);
  });

  it('holds long strings only, each once, and no more than its bound', () => {
    const s = new SharedClaims(4, 32);
    s.share({ ep: 'short', links: LINKS });
    s.share({ ep: 'other', links: LINKS });
    assert.equal(s.size, 1);
    for (let i = 0; i < 10; i++) assert.equal(s.share({ links: `${LINKS},</x${i}>` })!['links'], `${LINKS},</x${i}>`);
    assert.equal(s.size, 4);
  });
});
