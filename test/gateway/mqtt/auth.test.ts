/**
 * ClientIds: who owns a client id, and how many stored sessions (Clean Session 0) one user holds.
 * A user at the cap gets 'too-many-sessions' for a new id and nothing changes; its own stored ids,
 * clean sessions and other users go on; a clean session that ends frees its id and slot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientIds } from '../../../gateway/mqtt/auth.js';

describe('ClientIds', () => {
  it('keeps a client id for the user who claimed it', () => {
    const ids = new ClientIds();
    assert.equal(ids.claim('c1', 'alice'), true);
    assert.equal(ids.claim('c1', 'alice'), true);
    assert.equal(ids.claim('c1', 'bob'), false);
    ids.release('c1', 'bob');
    assert.equal(ids.claim('c1', 'bob'), false, 'only the owner releases');
    ids.release('c1', 'alice');
    assert.equal(ids.claim('c1', 'bob'), true);
  });

  it('holds one user to maxStoredPerOwner stored sessions', () => {
    const ids = new ClientIds(2);
    assert.equal(ids.claimSession('s1', 'viewer', true), 'ok');
    assert.equal(ids.claimSession('s2', 'viewer', true), 'ok');
    assert.equal(ids.claimSession('s3', 'viewer', true), 'too-many-sessions');
    assert.equal(ids.storedSessions('viewer'), 2);
    assert.equal(ids.claimSession('s3', 'other', true), 'ok', 'the refusal left s3 unowned');
    assert.equal(ids.claimSession('s1', 'viewer', true), 'ok', 'a stored session comes back');
    assert.equal(ids.claimSession('c9', 'viewer', false), 'ok', 'clean sessions are not counted');
    assert.equal(ids.claimSession('s3', 'viewer', true), 'in-use');
  });

  it('a clean session on a stored id ends it and frees the slot', () => {
    const ids = new ClientIds(1);
    assert.equal(ids.claimSession('s1', 'viewer', true), 'ok');
    assert.equal(ids.claimSession('s2', 'viewer', true), 'too-many-sessions');
    assert.equal(ids.claimSession('s1', 'viewer', false), 'ok');
    ids.release('s1', 'viewer');
    assert.equal(ids.storedSessions('viewer'), 0);
    assert.equal(ids.claimSession('s2', 'viewer', true), 'ok');
  });

  it('refuses nothing by default', () => {
    const ids = new ClientIds();
    for (let i = 0; i < 1000; i++) assert.equal(ids.claimSession(`s${i}`, 'viewer', true), 'ok');
    assert.equal(ids.storedSessions('viewer'), 1000);
  });
});
