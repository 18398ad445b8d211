import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newItem } from '../../../gateway/hub/new-item.js';

describe('newItem', () => {
  const o = { defaultTtlMs: 60_000, maxTtlMs: 120_000 };

  it('is queued with no attempts, its transition and requester, and the default time to live', () => {
    const a = newItem({ thingId: 'urn:t', kind: 'action', name: 'blink', input: { times: 2 } }, 1000, o);
    assert.deepEqual({ ...a, id: '' }, {
      id: '', seq: 0, thingId: 'urn:t', kind: 'action', name: 'blink', input: { times: 2 }, state: 'queued', attempts: 0,
      createdAt: 1000, updatedAt: 1000, expiresAt: 61_000, transitions: [{ state: 'queued', at: 1000 }], requestedBy: null,
    });
    assert.match(a.id, /^[0-9a-f-]{36}$/);
    assert.notEqual(newItem({ thingId: 'urn:t', kind: 'action', name: 'blink', input: null }, 1000, o).id, a.id);
  });

  it('takes the requested time to live up to maxTtlMs', () => {
    const w = (ttlMs: number) => newItem({ thingId: 'urn:t', kind: 'write', name: 'led', input: 'on', ttlMs, requestedBy: 'op' }, 0, o);
    assert.deepEqual([w(5000).expiresAt, w(500_000).expiresAt, w(5000).requestedBy], [5000, 120_000, 'op']);
  });
});
