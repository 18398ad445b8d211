import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { BusMessage } from '../../../gateway/hub/types.js';
import { newCounters } from '../../../gateway/mqtt/mqtt-metrics.js';
import type { OwedReplyRow, PendingReplyStore } from '../../../gateway/mqtt/pending-replies.js';
import { RequestHandler, type RequestDeps } from '../../../gateway/mqtt/requests.js';

type View = { id: string; state: string; kind: 'action'; output?: unknown };

/** A hub of one queue item per request, whose state the test moves. */
function fakeHub(views: Map<string, View>): { hub: RequestDeps['hub']; emit: (v: View) => void } {
  let listener: ((m: BusMessage) => void) | null = null;
  const hub = {
    subscribe: (fn: (m: BusMessage) => void) => { listener = fn; return { unsubscribe: () => { listener = null; } }; },
    invokeAction: () => { const v: View = { id: `i${views.size + 1}`, state: 'queued', kind: 'action' }; views.set(v.id, v); return v; },
    writeProperty: () => { throw new Error('not here'); },
    waitForAction: (id: string) => Promise.resolve(views.get(id)!),
    getAction: (id: string) => { const v = views.get(id); if (!v) throw new Error('ROOST_ERR_ACTION_NOT_FOUND'); return v; },
  } as unknown as RequestDeps['hub'];
  return { hub, emit: (v) => { views.set(v.id, v); listener?.({ type: 'action', action: v } as unknown as BusMessage); } };
}

function handler(hub: RequestDeps['hub'], replies: PendingReplyStore | undefined, published: Array<[string, unknown]>): RequestHandler {
  return new RequestHandler({
    hub, counters: newCounters(), logger: pino({ level: 'silent' }), syncWaitMs: 0, maxPendingReplies: 10,
    publish: (topic, payload) => { published.push([topic, JSON.parse(payload.toString())]); return Promise.resolve(); },
    ...(replies ? { replies } : {}),
  });
}

const ADMIN = { username: 'admin', role: 'admin' as const };
const request = Buffer.from(JSON.stringify({ responseTopic: 'r/1', correlationData: 9 }));

describe('MQTT request handler and its store of waiting requests', () => {
  it('a store that fails to write (a full disk) loses nothing: the final reply still comes', async () => {
    const views = new Map<string, View>();
    const { hub, emit } = fakeHub(views);
    const failing = { save: () => { throw new Error('SQLITE_FULL'); }, remove: () => { throw new Error('SQLITE_FULL'); }, load: () => ({ rows: [], unreadable: 0 }) } as unknown as PendingReplyStore;
    const published: Array<[string, unknown]> = [];
    const h = handler(hub, failing, published);
    await h.handle(ADMIN, 'action', 'urn:x', 'go', request);
    emit({ id: 'i1', state: 'completed', kind: 'action', output: 5 });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(published.map(([, p]) => (p as { state: string }).state), ['queued', 'completed']);
    assert.deepEqual(published[1], ['r/1', { correlationData: 9, actionId: 'i1', state: 'completed', output: 5 }]);
    h.close();
  });

  it('answers at most maxRefusalsInFlight refusals at once: a reader that does not drain cannot make the broker wait for a flood of them', async () => {
    const { hub } = fakeHub(new Map());
    const counters = newCounters();
    const waiting: Array<() => void> = [];
    const h = new RequestHandler({
      hub: { ...hub, invokeAction: () => { throw Object.assign(new Error('queue full'), { code: 'ROOST_ERR_QUEUE_FULL' }); } } as RequestDeps['hub'],
      counters, logger: pino({ level: 'silent' }), syncWaitMs: 0, maxPendingReplies: 10, maxRefusalsInFlight: 4,
      // A reply to a session that does not read: delivered only when the test lets it go.
      publish: () => new Promise<void>((resolve) => waiting.push(resolve)),
    });
    const flood = Array.from({ length: 20 }, () => h.handle(ADMIN, 'action', 'urn:x', 'go', request));
    await new Promise((r) => setImmediate(r));
    assert.equal(waiting.length, 4, 'replies published and waiting');
    assert.equal(counters.repliesDropped, 16);
    assert.equal(counters.requestsFailed, 20);
    for (const go of waiting.splice(0)) go();
    await Promise.all(flood);
    const next = h.handle(ADMIN, 'action', 'urn:x', 'go', request);
    await new Promise((r) => setImmediate(r));
    assert.equal(waiting.length, 1, 'room again once they are delivered');
    waiting[0]!();
    await next;
    assert.equal(counters.repliesDropped, 16);
    h.close();
  });

  it('resumes stored requests: replies at once for an item that ended, drops one that is gone, keeps waiting for the rest', async () => {
    const views = new Map<string, View>([['done', { id: 'done', state: 'failed', kind: 'action' }], ['open', { id: 'open', state: 'queued', kind: 'action' }]]);
    const { hub, emit } = fakeHub(views);
    const rows: OwedReplyRow[] = [
      { itemId: 'done', topic: 'r/d', correlation: { correlationData: 'a' }, at: 1 },
      { itemId: 'gone', topic: 'r/g', correlation: {}, at: 2 },
      { itemId: 'open', topic: 'r/o', correlation: {}, at: 3 },
    ];
    const removed: string[] = [];
    const store = { save: () => undefined, remove: (id: string) => { removed.push(id); }, load: () => ({ rows, unreadable: 1 }) } as unknown as PendingReplyStore;
    const published: Array<[string, unknown]> = [];
    const h = handler(hub, store, published);
    assert.deepEqual(published, [['r/d', { correlationData: 'a', actionId: 'done', state: 'failed' }]]);
    emit({ id: 'open', state: 'completed', kind: 'action', output: null });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(published.at(-1), ['r/o', { actionId: 'open', state: 'completed', output: null }]);
    assert.deepEqual(removed.sort(), ['done', 'gone', 'open']);
    h.close();
  });
});
