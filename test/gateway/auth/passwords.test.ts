import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedPasswords } from '../../../gateway/auth/passwords.js';

describe('VerifiedPasswords', () => {
  it('remembers a verified password for ttlMs, against the same stored hash only', () => {
    const clock = { t: 0 };
    const v = new VerifiedPasswords({ ttlMs: 1000, maxEntries: 10, now: () => clock.t });
    assert.equal(v.has('dev1', 'device-pass-1', 'scrypt$a'), false);
    v.remember('dev1', 'device-pass-1', 'scrypt$a');
    assert.equal(v.has('dev1', 'device-pass-1', 'scrypt$a'), true);
    assert.equal(v.has('dev1', 'device-pass-2', 'scrypt$a'), false, 'another password');
    assert.equal(v.has('dev2', 'device-pass-1', 'scrypt$a'), false, 'another user');
    assert.equal(v.has('dev1', 'device-pass-1', 'scrypt$b'), false, 'the password changed');
    v.remember('dev1', 'device-pass-1', 'scrypt$a');
    clock.t = 1000;
    assert.equal(v.has('dev1', 'device-pass-1', 'scrypt$a'), false, 'expired');
  });

  it('keeps at most maxEntries (the oldest goes) and nothing when ttlMs is 0', () => {
    const v = new VerifiedPasswords({ ttlMs: 1000, maxEntries: 2, now: () => 0 });
    for (const u of ['a', 'b', 'c']) v.remember(u, 'pw', 'h');
    assert.deepEqual(['a', 'b', 'c'].map((u) => v.has(u, 'pw', 'h')), [false, true, true]);
    const off = new VerifiedPasswords({ ttlMs: 0, maxEntries: 2, now: () => 0 });
    off.remember('a', 'pw', 'h');
    assert.equal(off.has('a', 'pw', 'h'), false);
  });
});
