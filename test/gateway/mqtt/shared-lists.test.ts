import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SharedLists } from '../../../gateway/mqtt/shared-lists.js';

describe('SharedLists', () => {
  it('gives equal lists one shared, frozen copy', () => {
    const s = new SharedLists();
    const a = s.share(['temp', 'humidity']);
    const b = s.share(['temp', 'humidity']);
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    assert.notEqual(s.share(['humidity', 'temp']), a, 'order counts');
    assert.equal(s.size, 2);
  });

  it('adds an item to a list by sharing the longer list', () => {
    const s = new SharedLists();
    const one = s.with(undefined, 'temp');
    assert.deepEqual(one, ['temp']);
    assert.equal(s.with(one, 'temp'), one, 'an item it has already');
    const two = s.with(one, 'battery');
    assert.deepEqual(two, ['temp', 'battery']);
    assert.equal(s.with(s.with(undefined, 'temp'), 'battery'), two);
    assert.deepEqual(one, ['temp'], 'the shorter list is unchanged');
  });

  it('keeps lists that join to the same key apart (a NUL in a name)', () => {
    const s = new SharedLists();
    const a = s.share(['a\u0000b', 'c']);
    const b = s.share(['a', 'b\u0000c']);
    assert.deepEqual(a, ['a\u0000b', 'c']);
    assert.deepEqual(b, ['a', 'b\u0000c']);
    assert.equal(s.share(['a\u0000b', 'c']), a);
  });

  it('holds at most maxLists lists, dropping the oldest; a dropped list is copied again, equal', () => {
    const s = new SharedLists(3);
    const first = s.share(['x0']);
    for (let i = 1; i < 10; i++) s.share([`x${i}`]);
    assert.equal(s.size, 3);
    const again = s.share(['x0']);
    assert.notEqual(again, first);
    assert.deepEqual(again, first);
    assert.equal(s.size, 3);
  });
});
