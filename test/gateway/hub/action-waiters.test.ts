import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionWaiters } from '../../../gateway/hub/action-waiters.js';
import type { ActionView } from '../../../gateway/hub/types.js';

const v = (id: string, state: ActionView['state']) => ({ id, state }) as ActionView;

describe('ActionWaiters', () => {
  it('wakes every waiter of an item with the view it settled in, and only them', async () => {
    const w = new ActionWaiters();
    const a1 = w.wait('a', 5000, () => v('a', 'queued'));
    const a2 = w.wait('a', 5000, () => v('a', 'queued'));
    const b = w.wait('b', 30, () => v('b', 'queued'));
    w.wake('a', v('a', 'completed'));
    assert.deepEqual((await Promise.all([a1, a2])).map((x) => x.state), ['completed', 'completed']);
    assert.equal((await b).state, 'queued', 'b timed out with its current view');
  });

  it('answers the current view at timeout, and everyone at close', async () => {
    const w = new ActionWaiters();
    let state: ActionView['state'] = 'queued';
    const early = w.wait('x', 10, () => v('x', state));
    state = 'sent';
    assert.equal((await early).state, 'sent');
    const late = w.wait('y', 60_000, () => v('y', 'queued'));
    w.wakeAll((id) => v(id, 'cancelled'));
    assert.equal((await late).state, 'cancelled');
    w.wake('y', v('y', 'completed')); // nobody waits any more: no effect
  });

  it('a view the waiter does not take as settled keeps it waiting; close answers it anyway', async () => {
    const w = new ActionWaiters();
    const final = (x: ActionView) => x.state === 'completed';
    const a = w.wait('a', 5000, () => v('a', 'queued'), final);
    w.wake('a', v('a', 'delivered'));
    const raced = await Promise.race([a, new Promise((r) => setTimeout(() => r('still waiting'), 30))]);
    assert.equal(raced, 'still waiting');
    w.wake('a', v('a', 'completed'));
    assert.equal((await a).state, 'completed');
    const b = w.wait('b', 20, () => v('b', 'delivered'), final);
    w.wake('b', v('b', 'delivered'));
    assert.equal((await b).state, 'delivered', 'at timeout the current view, settled or not');
    const c = w.wait('c', 60_000, () => v('c', 'delivered'), final);
    w.wakeAll((id) => v(id, 'delivered'));
    assert.equal((await c).state, 'delivered');
  });
});
