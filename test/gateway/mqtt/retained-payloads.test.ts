/**
 * Retained payloads own their memory: a pool slice is copied into a buffer of its size (an owned
 * buffer is kept as it is). That aedes keeps the copy: rendered-retained.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownedPayload } from '../../../gateway/mqtt/retained-payloads.js';

describe('retained payloads', () => {
  it('copies a slice of a larger buffer, keeps an owned one', () => {
    const slice = Buffer.from('{"value":21.5}');
    assert.ok(slice.buffer.byteLength > slice.length, 'Buffer.from of a small string is a pool slice');
    const own = ownedPayload(slice);
    assert.deepEqual([own.toString(), own.buffer.byteLength, own.byteOffset], ['{"value":21.5}', slice.length, 0]);
    assert.equal(ownedPayload(own), own);
    assert.equal(ownedPayload(Buffer.alloc(0)).length, 0);
  });
});
