import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { PacketLimit, guardConnection, type GuardVerdict } from '../../../gateway/mqtt/packet-limit.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// PINGREQ (c0 00), a PUBLISH to "a/b" with 2 payload bytes (remaining length 7), DISCONNECT (e0 00).
const PINGREQ = hex('c0 00');
const PUBLISH = hex('30 07 0003 612f62 0102');
const DISCONNECT = hex('e0 00');

function feed(limit: PacketLimit, chunks: Buffer[]): GuardVerdict {
  for (const c of chunks) {
    const v = limit.push(c);
    if (!v.ok) return v;
  }
  return { ok: true };
}

describe('MQTT packet size guard', () => {
  it('follows packets split at every byte offset', () => {
    const stream = Buffer.concat([PINGREQ, PUBLISH, DISCONNECT, PUBLISH]);
    for (let i = 0; i <= stream.length; i++) {
      assert.deepEqual(feed(new PacketLimit(9), [stream.subarray(0, i), stream.subarray(i)]), { ok: true }, `split at ${i}`);
    }
    assert.deepEqual(feed(new PacketLimit(9), [...stream].map((x) => Buffer.from([x]))), { ok: true });
  });

  it('refuses a packet over the limit from its header, before the body arrives', () => {
    // 9 bytes in all: within 9, over 8.
    assert.deepEqual(new PacketLimit(8).push(Buffer.concat([PINGREQ, PUBLISH.subarray(0, 2)])), { ok: false, reason: 'too-large', size: 9 });
    // Remaining length 16384 takes three bytes (80 80 01): 1 + 3 + 16384.
    assert.deepEqual(new PacketLimit(16387).push(hex('30 80 80 01')), { ok: false, reason: 'too-large', size: 16388 });
    assert.deepEqual(new PacketLimit(16388).push(hex('30 80 80 01')), { ok: true });
    // The largest length MQTT allows (ff ff ff 7f = 268435455).
    assert.deepEqual(new PacketLimit(1024).push(hex('30 ff ff ff 7f')), { ok: false, reason: 'too-large', size: 268435460 });
  });

  it('refuses a Remaining Length of more than four bytes', () => {
    assert.deepEqual(new PacketLimit(1 << 30).push(hex('30 ff ff ff ff 01')), { ok: false, reason: 'malformed' });
  });

  it('passes bytes through a guarded connection and destroys it on a refused packet', async () => {
    const inner = new PassThrough();
    const refused: GuardVerdict[] = [];
    const outer = guardConnection(inner, 16, (v) => refused.push(v));
    const got: Buffer[] = [];
    outer.on('data', (c: Buffer) => got.push(c));
    inner.write(PUBLISH);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(Buffer.concat(got), PUBLISH);
    const closed = new Promise((r) => outer.once('close', r));
    inner.write(hex('30 7f'));
    await closed;
    assert.deepEqual(refused, [{ ok: false, reason: 'too-large', size: 129 }]);
    assert.equal(inner.destroyed, true);
    assert.deepEqual(Buffer.concat(got), PUBLISH);
  });

  it('hands over every packet a peer sent before it closed, though the broker reads them later', async () => {
    // A peer that writes its packets and DISCONNECT, then closes (mosquitto_pub -l at the end of its input).
    const inner = new PassThrough();
    const outer = guardConnection(inner, 1024, () => assert.fail('nothing refused'));
    const stream = Buffer.concat([...Array.from({ length: 5000 }, () => PUBLISH), DISCONNECT]);
    inner.end(stream);
    await new Promise((r) => inner.once('close', r));
    assert.ok(outer.readableLength > 0, 'packets still wait for the broker when the socket closes');
    const got: Buffer[] = [];
    for await (const c of outer) got.push(c as Buffer);
    assert.deepEqual(Buffer.concat(got), stream);
    assert.equal(outer.destroyed, true);
  });

  it('still sends what was written when the broker closes the connection in the same turn', () => {
    // aedes writes a refusing CONNACK and closes at once.
    const sent: Buffer[] = [];
    const inner = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        sent.push(chunk);
        cb();
      },
      writev(chunks, cb) {
        sent.push(...chunks.map((c) => c.chunk as Buffer));
        cb();
      },
    });
    const outer = guardConnection(inner, 1024, () => assert.fail('nothing refused'));
    outer.write(hex('20 02 00 05'));
    outer.destroy();
    assert.deepEqual(Buffer.concat(sent), hex('20 02 00 05'));
  });

  it('sends the packets written in one turn of the event loop as one batch, in order', async () => {
    const writes: Buffer[][] = [];
    let release: (() => void) | null = null;
    const inner = new Duplex({
      read() {},
      // The first write waits, as a socket does while the kernel buffer drains.
      write(chunk: Buffer, _enc, cb) {
        writes.push([chunk]);
        release = () => cb();
      },
      writev(chunks, cb) {
        writes.push(chunks.map((c) => c.chunk as Buffer));
        cb();
      },
    });
    const outer = guardConnection(inner, 1024, () => assert.fail('nothing refused'));
    const packets = [PINGREQ, hex('d0 00'), hex('c0 00'), hex('e0 00')];
    for (const p of packets) outer.write(p);
    assert.equal(writes.length, 0, 'nothing leaves before the end of the turn');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes.map((w) => w.length), [4], 'one batch of four');
    // A later turn's single packet is a write of its own.
    outer.write(PINGREQ);
    await new Promise((r) => setImmediate(r));
    (release as (() => void) | null)?.();
    assert.deepEqual(Buffer.concat(writes.flat()), Buffer.concat([...packets, PINGREQ]));
  });
});
