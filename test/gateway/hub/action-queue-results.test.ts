/** The action queue when results and delivery answers race, and for devices that take items in answers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveryOutcome } from '../../../gateway/binding.js';
import { tempDir } from '../../helpers/gateway.js';
import { close, rig, T, tick, until } from './action-queue-rig.js';

describe('ActionQueue result before delivery answer', () => {
  it('completes an item whose result overtakes its delivery answer, and moves on', async () => {
    const r = rig();
    let resolveFirst!: (o: DeliveryOutcome) => void;
    r.target.answer = (item) => (item.name === 'a' ? new Promise((res) => (resolveFirst = res)) : Promise.resolve({ state: 'completed' }));
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    const b = r.queue.enqueue({ thingId: T, kind: 'action', name: 'b', input: 1 });
    r.queue.awake(T, 1000);
    r.queue.complete(a.id, { state: 'completed', output: 'early' });
    assert.equal(r.queue.get(a.id).state, 'completed');
    assert.equal(r.queue.get(a.id).output, 'early');
    assert.deepEqual(r.target.sent.map((i) => i.name), ['a', 'b'], 'the next item went out');
    resolveFirst({ state: 'delivered' });
    await tick();
    assert.equal(r.queue.get(a.id).state, 'completed', 'the late delivery answer changes nothing');
    assert.equal(r.queue.get(b.id).state, 'completed');
    close(r);
  });
});

describe('ActionQueue items in answers (take) and result timeouts', () => {
  it('hands one item per answer to a device that takes items only in answers, in order, after each result', () => {
    const r = rig({ push: false });
    const ids = ['a', 'b', 'c'].map((n) => r.queue.enqueue({ thingId: T, kind: 'action', name: n, input: n }).id);
    r.queue.awake(T, 1000);
    assert.equal(r.target.sent.length, 0, 'nothing is pushed to a device that does not listen');
    const first = r.queue.take(T, 1000);
    assert.equal(first.item?.id, ids[0]);
    assert.equal(first.more, 2);
    assert.equal(r.queue.get(ids[0]!).state, 'delivered');
    assert.deepEqual(r.queue.take(T, 1000), { item: null, more: 2 }, 'nothing more while the first awaits its result');
    r.queue.complete(ids[0]!, { state: 'completed' });
    const second = r.queue.take(T, 1000);
    assert.deepEqual([second.item?.id, second.more], [ids[1], 1]);
    r.queue.complete(ids[1]!, { state: 'completed' });
    const third = r.queue.take(T, 1000);
    assert.deepEqual([third.item?.id, third.more], [ids[2], 0]);
    assert.equal(third.item?.attempt, 1);
    r.queue.complete(ids[2]!, { state: 'completed' });
    assert.deepEqual(r.queue.take(T, 1000), { item: null, more: 0 });
    assert.equal(r.target.sent.length, 0);
    close(r);
  });

  it('sends a delivered item again when its result does not come within resultTimeoutMs, then gives up after maxAttempts', async () => {
    const r = rig({ push: false, queue: { resultTimeoutMs: 20, maxAttempts: 2 } });
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    const b = r.queue.enqueue({ thingId: T, kind: 'action', name: 'b', input: 1 });
    assert.equal(r.queue.take(T, 1000).item?.id, a.id);
    await until(() => r.queue.get(a.id).state !== 'delivered');
    assert.equal(r.queue.get(a.id).state, 'queued', 'no result: back in the queue at its place');
    assert.match(r.queue.get(a.id).error ?? '', /no result within 20 ms/);
    const again = r.queue.take(T, 1000);
    assert.deepEqual([again.item?.id, again.item?.attempt], [a.id, 2], 'the same item, before b, with its attempt count');
    await until(() => r.queue.get(a.id).state !== 'delivered');
    assert.equal(r.queue.get(a.id).state, 'failed');
    assert.match(r.queue.get(a.id).error ?? '', /gave up after 2 attempts/);
    assert.equal(r.queue.take(T, 1000).item?.id, b.id, 'the next item goes once the first is final');
    close(r);
  });

  it('keeps the result timeout for items a pushing binding answered `delivered`, and holds the next item until then', async () => {
    const r = rig({ queue: { resultTimeoutMs: 1000 } });
    r.target.answer = () => Promise.resolve({ state: 'delivered' });
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    r.queue.enqueue({ thingId: T, kind: 'action', name: 'b', input: 1 });
    r.queue.awake(T, 10_000);
    await tick();
    assert.deepEqual(r.target.sent.map((i) => i.name), ['a'], 'b waits: a is not finished');
    await until(() => r.target.sent.length >= 2);
    assert.deepEqual(r.target.sent.map((i) => i.name), ['a', 'a'], 'a went out again, still before b');
    r.queue.complete(a.id, { state: 'completed' });
    assert.deepEqual(r.target.sent.map((i) => i.name), ['a', 'a', 'b']);
    close(r);
  });

  it('keeps a delivered item across a restart and still waits for (or times out) its result', async () => {
    const dir = tempDir();
    const r1 = rig({ dir, push: false, queue: { resultTimeoutMs: 30 } });
    const a = r1.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    r1.queue.take(T, 1000);
    close(r1, true);
    const r2 = rig({ dir, push: false, queue: { resultTimeoutMs: 30 } });
    assert.equal(r2.queue.get(a.id).state, 'delivered');
    assert.deepEqual(r2.queue.activeByState(T), { queued: 0, sent: 0, delivered: 1 });
    await until(() => r2.queue.get(a.id).state !== 'delivered');
    assert.equal(r2.queue.get(a.id).state, 'queued');
    assert.equal(r2.queue.take(T, 1000).item?.id, a.id);
    close(r2);
  });

  it('never supersedes a write that went out before and came back for a lost result: the device may have run it', async () => {
    const r = rig({ push: false, queue: { resultTimeoutMs: 20 } });
    const first = r.queue.enqueue({ thingId: T, kind: 'write', name: 'interval', input: 30 });
    assert.equal(r.queue.take(T, 1000).item?.id, first.id);
    await until(() => r.queue.get(first.id).state === 'queued');
    const second = r.queue.enqueue({ thingId: T, kind: 'write', name: 'interval', input: 45 });
    assert.equal(r.queue.get(first.id).state, 'queued', 'not superseded');
    assert.equal(r.queue.take(T, 1000).item?.id, first.id, 'it goes out again first');
    r.queue.complete(first.id, { state: 'completed' });
    const third = r.queue.enqueue({ thingId: T, kind: 'write', name: 'interval', input: 60 });
    assert.equal(r.queue.get(second.id).state, 'superseded', 'a write that never went out is still superseded');
    assert.equal(r.queue.take(T, 1000).item?.id, third.id);
    close(r);
  });
});
