import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ActionView } from '../../../gateway/hub/types.js';
import { ActionNotCancellableError, ActionNotFoundError, QueueFullError } from '../../../protocols/errors.js';
import { tempDir } from '../../helpers/gateway.js';
import { close, rig, T, tick, until } from './action-queue-rig.js';

describe('ActionQueue', () => {
  it('holds items for a sleeping device and hands them out in order while it is awake', async () => {
    const r = rig();
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    const b = r.queue.enqueue({ thingId: T, kind: 'action', name: 'b', input: 2 });
    assert.equal(r.target.sent.length, 0, 'nothing goes out while asleep');
    assert.deepEqual(r.queue.pending(T).map((i) => i.name), ['a', 'b']);
    r.queue.awake(T, 1000);
    assert.deepEqual(r.target.sent.map((i) => i.id), [a.id], 'the first item is handed out synchronously, one in flight');
    await tick();
    assert.deepEqual(r.target.sent.map((i) => i.id), [a.id, b.id]);
    await tick();
    const va = r.queue.get(a.id);
    assert.equal(va.state, 'completed');
    assert.equal(va.output, 42);
    assert.deepEqual(va.transitions.map((t) => t.state), ['queued', 'sent', 'delivered', 'completed']);
    assert.equal(r.queue.get(b.id).state, 'completed');
    close(r);
  });

  it('delivers at once to an always-on device', async () => {
    const r = rig({ sleepy: false });
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'go', input: null });
    assert.equal(r.target.sent.length, 1);
    const v = await r.queue.waitFor(a.id, 1000);
    assert.equal(v.state, 'completed');
    close(r);
  });

  it('coalesces property writes (older one superseded) but never actions', async () => {
    const r = rig();
    const w1 = r.queue.enqueue({ thingId: T, kind: 'write', name: 'level', input: 1 });
    const a1 = r.queue.enqueue({ thingId: T, kind: 'action', name: 'level', input: 1 });
    const a2 = r.queue.enqueue({ thingId: T, kind: 'action', name: 'level', input: 1 });
    const w2 = r.queue.enqueue({ thingId: T, kind: 'write', name: 'level', input: 2 });
    const other = r.queue.enqueue({ thingId: T, kind: 'write', name: 'mode', input: 'eco' });
    assert.equal(r.queue.get(w1.id).state, 'superseded');
    assert.match(r.queue.get(w1.id).error ?? '', new RegExp(w2.id));
    assert.deepEqual(r.queue.pending(T).map((i) => i.id), [a1.id, a2.id, w2.id, other.id]);
    close(r);
  });

  it('does not supersede a write already handed to the device', async () => {
    const r = rig();
    r.target.answer = () => new Promise(() => undefined);
    const w1 = r.queue.enqueue({ thingId: T, kind: 'write', name: 'level', input: 1 });
    r.queue.awake(T, 1000);
    const w2 = r.queue.enqueue({ thingId: T, kind: 'write', name: 'level', input: 2 });
    assert.equal(r.queue.get(w1.id).state, 'sent');
    assert.equal(r.queue.get(w2.id).state, 'queued');
    close(r);
  });

  it('rejects with QueueFullError when full under the reject policy, and nothing is lost', () => {
    const r = rig({ queue: { maxItemsPerThing: 2 } });
    r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    r.queue.enqueue({ thingId: T, kind: 'action', name: 'b', input: 1 });
    assert.throws(() => r.queue.enqueue({ thingId: T, kind: 'action', name: 'c', input: 1 }), (e: unknown) => {
      assert.ok(e instanceof QueueFullError);
      assert.equal(e.code, 'ROOST_ERR_QUEUE_FULL');
      assert.equal(e.httpStatus, 503);
      return true;
    });
    assert.deepEqual(r.queue.pending(T).map((i) => i.name), ['a', 'b']);
    close(r);
  });

  it('cancels the oldest queued item under the drop-oldest policy', () => {
    const r = rig({ queue: { maxItemsPerThing: 2, overflow: 'drop-oldest' } });
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    r.queue.enqueue({ thingId: T, kind: 'action', name: 'b', input: 1 });
    r.queue.enqueue({ thingId: T, kind: 'action', name: 'c', input: 1 });
    assert.equal(r.queue.get(a.id).state, 'cancelled');
    assert.match(r.queue.get(a.id).error ?? '', /QUEUE_FULL/);
    assert.deepEqual(r.queue.pending(T).map((i) => i.name), ['b', 'c']);
    close(r);
  });

  it('expires items whose TTL ran out, before and at dispatch', () => {
    const r = rig();
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1, ttlMs: 1000 });
    const b = r.queue.enqueue({ thingId: T, kind: 'action', name: 'b', input: 1, ttlMs: 5000 });
    const c = r.queue.enqueue({ thingId: T, kind: 'action', name: 'c', input: 1, ttlMs: 60000 });
    r.clock.t += 1500;
    assert.equal(r.queue.expireDue(), 1);
    assert.equal(r.queue.get(a.id).state, 'expired');
    r.clock.t += 4000;
    r.queue.awake(T, 1000);
    assert.equal(r.queue.get(b.id).state, 'expired', 'expired at dispatch, never sent');
    assert.deepEqual(r.target.sent.map((i) => i.id), [c.id]);
    close(r);
  });

  it('caps the TTL at maxTtlMs', () => {
    const r = rig({ queue: { maxTtlMs: 10000 } });
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1, ttlMs: 99_000_000 });
    assert.equal(a.expiresAt, r.clock.t + 10000);
    close(r);
  });

  it('cancels a queued item, refuses to cancel one in flight, and reports unknown ids', () => {
    const r = rig();
    r.target.answer = () => new Promise(() => undefined);
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    const b = r.queue.enqueue({ thingId: T, kind: 'action', name: 'b', input: 1 });
    r.queue.awake(T, 1000);
    assert.throws(() => r.queue.cancel(a.id), ActionNotCancellableError);
    assert.equal(r.queue.cancel(b.id).state, 'cancelled');
    assert.throws(() => r.queue.cancel(b.id), ActionNotCancellableError);
    assert.throws(() => r.queue.get('nope'), ActionNotFoundError);
    close(r);
  });

  it('requeues an item at its place when the device cannot be reached, and closes the awake window', async () => {
    const r = rig();
    let fail = true;
    r.target.answer = () => Promise.resolve(fail ? { state: 'retry', reason: 'no ack' } : { state: 'completed' });
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    const b = r.queue.enqueue({ thingId: T, kind: 'action', name: 'b', input: 1 });
    r.queue.awake(T, 1000);
    await tick();
    assert.equal(r.queue.get(a.id).state, 'queued');
    assert.equal(r.queue.isAwake(T), false);
    assert.deepEqual(r.queue.pending(T).map((i) => i.id), [a.id, b.id], 'order kept');
    fail = false;
    r.queue.awake(T, 1000);
    await tick();
    await tick();
    assert.equal(r.queue.get(a.id).state, 'completed');
    assert.equal(r.queue.get(a.id).attempts, 2);
    assert.equal(r.queue.get(b.id).state, 'completed');
    close(r);
  });

  it('fails an item after maxAttempts and treats a silent device as a retry after deliveryTimeoutMs', async () => {
    const r = rig({ queue: { maxAttempts: 2, deliveryTimeoutMs: 30 } });
    r.target.answer = () => new Promise(() => undefined);
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    r.queue.awake(T, 10_000);
    await new Promise((res) => setTimeout(res, 60));
    assert.equal(r.queue.get(a.id).state, 'queued');
    r.queue.awake(T, 10_000);
    await new Promise((res) => setTimeout(res, 60));
    const v = r.queue.get(a.id);
    assert.equal(v.state, 'failed');
    assert.match(v.error ?? '', /gave up after 2 attempts/);
    close(r);
  });

  it('keeps a delivered item open until the binding reports completion', async () => {
    const r = rig();
    r.target.answer = () => Promise.resolve({ state: 'delivered' });
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    r.queue.awake(T, 1000);
    await tick();
    assert.equal(r.queue.get(a.id).state, 'delivered');
    r.queue.complete(a.id, { state: 'completed', output: 'ok' });
    assert.equal(r.queue.get(a.id).state, 'completed');
    assert.equal(r.queue.get(a.id).output, 'ok');
    close(r);
  });

  it('records a device refusal as failed with its code', async () => {
    const r = rig();
    r.target.answer = () => Promise.resolve({ state: 'failed', error: 'busy', code: 'E_BUSY' });
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    r.queue.awake(T, 1000);
    await tick();
    assert.equal(r.queue.get(a.id).state, 'failed');
    assert.equal(r.queue.get(a.id).error, 'E_BUSY: busy');
    close(r);
  });

  it('hands out up to maxInFlight items at once when the binding asks for more', () => {
    const r = rig({ maxInFlight: 3 });
    r.target.answer = () => new Promise(() => undefined);
    for (const n of ['a', 'b', 'c', 'd']) r.queue.enqueue({ thingId: T, kind: 'action', name: n, input: 1 });
    r.queue.awake(T, 1000);
    assert.deepEqual(r.target.sent.map((i) => i.name), ['a', 'b', 'c']);
    close(r);
  });

  it('survives a restart: every active item still there, in order, once; sent items queued again', async () => {
    const dir = tempDir();
    const r1 = rig({ dir });
    r1.target.answer = () => new Promise(() => undefined);
    const ids = [0, 1, 2, 3, 4].map((i) => r1.queue.enqueue({ thingId: T, kind: 'action', name: `a${i}`, input: i }).id);
    r1.queue.awake(T, 1000);
    assert.equal(r1.queue.get(ids[0] as string).state, 'sent');
    close(r1, true);
    const r2 = rig({ dir });
    assert.deepEqual(r2.queue.pending(T).map((i) => i.id), ids);
    const first = r2.queue.get(ids[0] as string);
    assert.deepEqual(first.transitions.map((t) => t.state), ['queued', 'sent', 'queued']);
    assert.equal(r2.queue.isAwake(T), false, 'a sleepy device is assumed asleep after a restart');
    const next = r2.queue.enqueue({ thingId: T, kind: 'action', name: 'after', input: 0 });
    assert.deepEqual(r2.queue.pending(T).map((i) => i.id), [...ids, next.id], 'new items go after the old ones');
    close(r2);
  });

  it('waitFor resolves on completion or with the current view at timeout', async () => {
    const r = rig();
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    const timedOut = await r.queue.waitFor(a.id, 20);
    assert.equal(timedOut.state, 'queued');
    const waiting = r.queue.waitFor(a.id, 5000);
    r.queue.awake(T, 1000);
    assert.equal((await waiting).state, 'completed');
    close(r);
  });

  it('waitFor: past delivered while the device is awake (its result is due), not once it sleeps', async () => {
    const later = <T>(p: Promise<T>) => Promise.race([p, new Promise((r) => setTimeout(() => r('still waiting'), 50))]);
    const r = rig();
    r.target.answer = () => Promise.resolve({ state: 'delivered' });
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    r.queue.awake(T, 1000);
    await until(() => r.queue.get(a.id).state === 'delivered');
    const waiting = r.queue.waitFor(a.id, 5000);
    assert.equal(await later(waiting), 'still waiting', 'awake: the result is due');
    r.queue.complete(a.id, { state: 'completed', output: 'done' });
    const v = await waiting;
    assert.deepEqual([v.state, v.output], ['completed', 'done']);

    const b = r.queue.enqueue({ thingId: T, kind: 'action', name: 'b', input: 2 });
    await until(() => r.queue.get(b.id).state === 'delivered');
    r.clock.t += 1001; // the window closed: the result comes at a later wake
    assert.equal(((await later(r.queue.waitFor(b.id, 5000))) as ActionView).state, 'delivered');
    close(r);
  });

  it('persists every transition with its time', () => {
    const r = rig();
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: { x: 1 } });
    r.clock.t += 10;
    r.queue.cancel(a.id);
    const row = r.db.prepare('SELECT state, transitions, input FROM actions WHERE id = ?').get(a.id) as { state: string; transitions: string; input: string };
    assert.equal(row.state, 'cancelled');
    assert.deepEqual(JSON.parse(row.transitions), [{ state: 'queued', at: 1_000_000 }, { state: 'cancelled', at: 1_000_010 }]);
    assert.deepEqual(JSON.parse(row.input), { x: 1 });
    close(r);
  });

  it('reports every change', () => {
    const r = rig();
    const a = r.queue.enqueue({ thingId: T, kind: 'action', name: 'a', input: 1 });
    r.queue.cancel(a.id);
    assert.deepEqual(r.changes.map((c) => c.state), ['queued', 'cancelled']);
    close(r);
  });

  it('keeps the file in WAL mode', () => {
    const r = rig();
    assert.equal(r.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.ok(r.db.name.endsWith(join('roost.db')));
    close(r);
  });
});
