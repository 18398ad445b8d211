import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoginThrottle } from '../../../gateway/auth/login-throttle.js';
import { RateLimitedError, UnauthenticatedError } from '../../../protocols/errors.js';

function throttle(now: { t: number }, over: Partial<ConstructorParameters<typeof LoginThrottle>[0]> = {}) {
  return new LoginThrottle({ freeFailures: 2, maxDelayMs: 5000, maxConcurrent: 2, maxTracked: 3, now: () => now.t, ...over });
}
const wrong = () => Promise.reject(new UnauthenticatedError('bad username or password'));
const right = () => Promise.resolve('token');

describe('LoginThrottle', () => {
  it('lets the first failures through, then doubles the wait up to the cap; a success clears it', async () => {
    const clock = { t: 0 };
    const th = throttle(clock);
    await assert.rejects(th.run('admin', wrong), UnauthenticatedError);
    await assert.rejects(th.run('admin', wrong), UnauthenticatedError);
    // Second failure reached freeFailures: blocked for 1 s, without the password being checked.
    let checked = false;
    await assert.rejects(th.run('admin', () => { checked = true; return right(); }), RateLimitedError);
    assert.equal(checked, false);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.t += 60_000;
      await assert.rejects(th.run('admin', wrong), UnauthenticatedError);
      const e: unknown = await th.run('admin', right).catch((err: unknown) => err);
      assert.ok(e instanceof RateLimitedError);
      waits.push((e as InstanceType<typeof RateLimitedError>).details?.['retryAfterS'] as number);
    }
    assert.deepEqual(waits, [2, 4, 5, 5]);
    clock.t += 5000;
    assert.equal(await th.run('admin', right), 'token');
    await assert.rejects(th.run('admin', wrong), UnauthenticatedError);
    assert.equal(await th.run('admin', right), 'token', 'one failure after a success is free again');
  });

  it('keeps other usernames unaffected and forgets the oldest beyond maxTracked', async () => {
    const clock = { t: 0 };
    const th = throttle(clock);
    for (let i = 0; i < 2; i++) await assert.rejects(th.run('mallory', wrong), UnauthenticatedError);
    assert.equal(await th.run('alice', right), 'token');
    for (const u of ['u1', 'u2', 'u3']) await assert.rejects(th.run(u, wrong), UnauthenticatedError);
    assert.equal(await th.run('mallory', right), 'token', 'mallory was the oldest and was forgotten');
  });

  it('refuses logins over the concurrency cap', async () => {
    const th = throttle({ t: 0 });
    let release = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const slow = () => gate.then(() => 'token');
    const a = th.run('a', slow);
    const b = th.run('b', slow);
    await assert.rejects(th.run('c', right), RateLimitedError);
    release();
    assert.deepEqual(await Promise.all([a, b]), ['token', 'token']);
    assert.equal(await th.run('c', right), 'token');
  });
});
