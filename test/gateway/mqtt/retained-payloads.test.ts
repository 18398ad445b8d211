/**
 * Retained payloads own their memory: a pool slice is copied into a buffer of its size (an owned
 * buffer is kept as it is), and aedes' persistence, wrapped, keeps the copy of a retained publish
 * while delivering the same bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Aedes, type PublishPacket } from 'aedes';
import { ownedPayload, storeRetainedOwned } from '../../../gateway/mqtt/retained-payloads.js';

describe('retained payloads', () => {
  it('copies a slice of a larger buffer, keeps an owned one', () => {
    const slice = Buffer.from('{"value":21.5}');
    assert.ok(slice.buffer.byteLength > slice.length, 'Buffer.from of a small string is a pool slice');
    const own = ownedPayload(slice);
    assert.deepEqual([own.toString(), own.buffer.byteLength, own.byteOffset], ['{"value":21.5}', slice.length, 0]);
    assert.equal(ownedPayload(own), own);
    assert.equal(ownedPayload(Buffer.alloc(0)).length, 0);
  });

  it('aedes keeps the copy of a retained publish', async () => {
    const broker = await Aedes.createBroker();
    const persistence = (broker as unknown as { persistence: Parameters<typeof storeRetainedOwned>[0] & { createRetainedStream(p: string): AsyncIterable<PublishPacket> } }).persistence;
    storeRetainedOwned(persistence);
    try {
      const payload = Buffer.from('"on"');
      await new Promise<void>((resolve, reject) => broker.publish({ cmd: 'publish', topic: 'things/a/property/led', payload, qos: 1, retain: true, dup: false }, (e) => (e ? reject(e) : resolve())));
      const kept: PublishPacket[] = [];
      for await (const p of persistence.createRetainedStream('#')) kept.push(p);
      assert.equal(kept.length, 1);
      const b = kept[0]!.payload as Buffer;
      assert.deepEqual([b.toString(), b.buffer.byteLength], ['"on"', 4]);
    } finally {
      await new Promise<void>((r) => broker.close(() => r()));
    }
  });
});
