import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoginThrottle } from '../../../gateway/auth/login-throttle.js';
import { RateLimitedError, UnauthenticatedError } from '../../../protocols/errors.js';

function throttle(now: { t: number }, over: Partial<ConstructorParameters<typeof LoginThrottle>[0]> = {}) {
  return new LoginThrottle({
    freeFailures: 2, freeFailuresPerSource: 4, maxDelayMs: 5000, forgetAfterMs: 600_000, maxConcurrent: 2, maxQueued: 2, queueTimeoutMs: 200, maxTracked: 5,
    now: () => now.t, ...over,
  });
}
const wrong = () => Promise.reject(new UnauthenticatedError('bad username or password'));
const right = () => Promise.resolve('token');

describe('LoginThrottle', () => {
  it('lets the first failures through, then doubles the wait up to the cap; a success clears it', async () => {
    const clock = { t: 0 };
    const th = throttle(clock, { freeFailuresPerSource: 100 });
    await assert.rejects(th.run('admin', '10.0.0.1', wrong), UnauthenticatedError);
    await assert.rejects(th.run('admin', '10.0.0.1', wrong), UnauthenticatedError);
    // Second failure reached freeFailures: blocked for 1 s, without the password being checked.
    let checked = false;
    await assert.rejects(th.run('admin', '10.0.0.1', () => { checked = true; return right(); }), RateLimitedError);
    assert.equal(checked, false);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.t += 60_000;
      await assert.rejects(th.run('admin', '10.0.0.1', wrong), UnauthenticatedError);
      const e: unknown = await th.run('admin', '10.0.0.1', right).catch((err: unknown) => err);
      assert.ok(e instanceof RateLimitedError);
      waits.push((e as InstanceType<typeof RateLimitedError>).details?.['retryAfterS'] as number);
    }
    assert.deepEqual(waits, [2, 4, 5, 5]);
    clock.t += 5000;
    assert.equal(await th.run('admin', '10.0.0.1', right), 'token');
    await assert.rejects(th.run('admin', '10.0.0.1', wrong), UnauthenticatedError);
    assert.equal(await th.run('admin', '10.0.0.1', right), 'token', 'one failure after a success is free again');
  });

  it('keeps other usernames unaffected and forgets the oldest beyond maxTracked', async () => {
    const clock = { t: 0 };
    const th = throttle(clock, { freeFailuresPerSource: 100, maxTracked: 3 });
    for (let i = 0; i < 2; i++) await assert.rejects(th.run('mallory', '10.0.0.1', wrong), UnauthenticatedError);
    assert.equal(await th.run('alice', '10.0.0.1', right), 'token');
    for (const u of ['u1', 'u2', 'u3']) await assert.rejects(th.run(u, '10.0.0.1', wrong), UnauthenticatedError);
    assert.equal(await th.run('mallory', '10.0.0.1', right), 'token', 'mallory was the oldest and was forgotten');
  });

  it('queues logins over the concurrency cap in order, refuses beyond maxQueued and after queueTimeoutMs', async () => {
    const th = throttle({ t: 0 });
    let release = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const order: string[] = [];
    const slow = (name: string) => () => gate.then(() => { order.push(name); return name; });
    const running = [th.run('a', '10.0.0.1', slow('a')), th.run('b', '10.0.0.1', slow('b'))];
    const queued = [th.run('c', '10.0.0.1', () => { order.push('c'); return right(); }), th.run('d', '10.0.0.1', () => { order.push('d'); return right(); })];
    assert.equal(th.queueLength, 2);
    await assert.rejects(th.run('e', '10.0.0.1', right), /too many logins waiting/);
    release();
    assert.deepEqual(await Promise.all([...running, ...queued]), ['a', 'b', 'token', 'token']);
    assert.deepEqual(order, ['a', 'b', 'c', 'd']);
    assert.equal(th.counters.queued, 2);
    assert.equal(th.counters.refusedQueueFull, 1);

    const stuck = new Promise<string>(() => undefined);
    void th.run('a', '10.0.0.1', () => stuck);
    void th.run('b', '10.0.0.1', () => stuck);
    const t0 = Date.now();
    await assert.rejects(th.run('c', '10.0.0.1', right), /no login slot within 200 ms/);
    assert.ok(Date.now() - t0 >= 150);
    assert.equal(th.counters.refusedQueueTimeout, 1);
  });

  it("a user's failures from one source do not slow that user from another source", async () => {
    const th = throttle({ t: 0 }, { freeFailuresPerSource: 100 });
    for (let i = 0; i < 2; i++) await assert.rejects(th.run('admin', '10.0.0.66', wrong), UnauthenticatedError);
    await assert.rejects(th.run('admin', '10.0.0.66', right), /too many failed logins for admin from 10.0.0.66/);
    assert.equal(await th.run('admin', '10.0.0.2', right), 'token');
    assert.equal(th.counters.refusedUserSource, 1);
  });

  it('slows a source that sprays wrong passwords across usernames, and only that source', async () => {
    const clock = { t: 0 };
    const th = throttle(clock, { maxTracked: 100 });
    for (const u of ['u1', 'u2', 'u3', 'u4']) await assert.rejects(th.run(u, '10.0.0.66', wrong), UnauthenticatedError);
    let checked = false;
    await assert.rejects(th.run('u5', '10.0.0.66', () => { checked = true; return right(); }), /too many failed logins from 10.0.0.66; retry in 1 s/);
    assert.equal(checked, false);
    assert.equal(th.counters.refusedSource, 1);
    assert.equal(await th.run('u5', '10.0.0.2', right), 'token');
    clock.t += 1000;
    await assert.rejects(th.run('u6', '10.0.0.66', wrong), UnauthenticatedError);
    await assert.rejects(th.run('u7', '10.0.0.66', right), /retry in 2 s/);
    clock.t += 600_001;
    assert.equal(await th.run('u7', '10.0.0.66', right), 'token', 'forgotten after forgetAfterMs without failures');
  });
});
