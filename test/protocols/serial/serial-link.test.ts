import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeviceNotFoundError, DeviceTimeoutError, BindingUnavailableError, PayloadTooLargeError, QueueFullError } from '../../../protocols/errors.js';
import { decodeFrame, encodeFrame } from '../../../protocols/serial/serial-frame.js';
import { SerialLink } from '../../../protocols/serial/serial-link.js';
import type { SerialMessage } from '../../../protocols/serial/serial-messages.js';

interface End {
  link: SerialLink;
  got: Array<[SerialMessage, number]>;
}

/** Two links wired back to back; `filter` may drop or alter what goes a->b or b->a. */
function pair(filter: (bytes: Buffer, dir: 'ab' | 'ba') => Buffer | null = (b) => b, opts = { ackTimeoutMs: 150, maxRetries: 3 }): { a: End; b: End } {
  const a: End = { link: null as unknown as SerialLink, got: [] };
  const b: End = { link: null as unknown as SerialLink, got: [] };
  a.link = new SerialLink((bytes) => {
    const out = filter(bytes, 'ab');
    if (out) setImmediate(() => b.link.feed(out));
  }, { message: (m, u) => void a.got.push([m, u]) }, opts);
  b.link = new SerialLink((bytes) => {
    const out = filter(bytes, 'ba');
    if (out) setImmediate(() => a.link.feed(out));
  }, { message: (m, u) => void b.got.push([m, u]) }, opts);
  return { a, b };
}

const log = (m: string): SerialMessage => ({ kind: 'log', body: { l: 1, m } });

describe('serial link: acks, retries, duplicates', () => {
  it('delivers in order with one ack per frame', async () => {
    const { a, b } = pair();
    await Promise.all(['1', '2', '3'].map((m, i) => a.link.send(log(m), i)));
    assert.deepEqual(b.got, [[log('1'), 0], [log('2'), 1], [log('3'), 2]]);
    assert.equal(a.link.counters.framesOut, 3);
    assert.equal(a.link.counters.acksIn, 3);
    assert.equal(b.link.counters.acksOut, 3);
    assert.equal(a.link.counters.retries, 0);
  });

  it('a lost frame is sent again; a lost ack makes a duplicate that is acked but not delivered twice', async () => {
    let n = 0;
    const { a, b } = pair((bytes, dir) => {
      n++;
      if (dir === 'ab' && n === 1) return null; // first data frame lost
      if (dir === 'ba' && n === 3) return null; // ack of the second send lost
      return bytes;
    });
    await a.link.send(log('x'));
    assert.deepEqual(b.got, [[log('x'), 0]]);
    assert.equal(a.link.counters.retries, 2);
    assert.equal(b.link.counters.duplicates, 1);
  });

  it('gives up after maxRetries with DeviceTimeoutError, then sends the next frame', async () => {
    let drop = true;
    const { a, b } = pair((bytes, dir) => (dir === 'ab' && drop ? null : bytes));
    const first = a.link.send(log('lost'));
    await assert.rejects(first, DeviceTimeoutError);
    assert.equal(a.link.counters.framesOut, 4);
    assert.equal(a.link.counters.sendFailures, 1);
    drop = false;
    await a.link.send(log('next'));
    assert.deepEqual(b.got, [[log('next'), 0]]);
  });

  it('flipped bits: no corrupted frame delivered, everything delivered within the retry budget', async () => {
    let seed = 99;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 8) / 0x7fffff;
    const { a, b } = pair((bytes) => {
      if (rnd() < 0.2) {
        const c = Buffer.from(bytes);
        const bit = Math.floor(rnd() * c.length * 8);
        c[bit >> 3]! ^= 1 << (bit & 7);
        return c;
      }
      return bytes;
    }, { ackTimeoutMs: 10, maxRetries: 6 });
    const sent = Array.from({ length: 60 }, (_, i) => log(`m${i}`));
    for (const m of sent) await a.link.send(m);
    assert.deepEqual(b.got.map(([m]) => m), sent);
    const c = b.link.counters;
    assert.ok(c.droppedBadCrc + c.droppedBadCobs + c.droppedShort > 0, 'noise was seen');
  });

  it('a frame with a good CRC but a bad body is acked, dropped and counted', async () => {
    const { a, b } = pair();
    const drops: string[] = [];
    const bLink = new SerialLink((bytes) => a.link.feed(bytes), { message: () => assert.fail('no message'), drop: (w) => drops.push(w) });
    // Unknown type 0x7e, built by hand through the frame codec.
    const { encodeFrame } = await import('../../../protocols/serial/serial-frame.js');
    bLink.feed(encodeFrame({ type: 0x7e, seq: 0, unit: 0, payload: Buffer.alloc(0) }));
    assert.equal(bLink.counters.droppedBadMessage, 1);
    assert.equal(bLink.counters.acksOut, 1);
    assert.deepEqual(drops, ['badMessage']);
    assert.equal(b.got.length, 0);
  });

  it('bounds its send queue, refuses oversize messages, rejects everything on close', async () => {
    const a = new SerialLink(() => undefined, { message: () => undefined }, { ackTimeoutMs: 1000, maxQueuedFrames: 2 });
    const p1 = a.send(log('1'));
    const p2 = a.send(log('2'));
    const p3 = a.send(log('3'));
    await assert.rejects(a.send(log('4')), QueueFullError);
    await assert.rejects(a.send(log('x'.repeat(300))), PayloadTooLargeError);
    a.close();
    for (const p of [p1, p2, p3]) await assert.rejects(p, BindingUnavailableError);
    await assert.rejects(a.send(log('late')), BindingUnavailableError);
  });

  it('a stray ack is counted and ignored', async () => {
    const { a } = pair();
    const { encodeFrame } = await import('../../../protocols/serial/serial-frame.js');
    a.link.feed(encodeFrame({ type: 0, seq: 42, unit: 0, payload: Buffer.alloc(0) }));
    assert.equal(a.link.counters.acksStray, 1);
    await sleep(1);
  });
});

/** A receiving link whose owner holds each ack on a promise the test settles; `wire` is what it sends. */
function holder(): { link: SerialLink; wire: Array<{ type: number; seq: number }>; got: SerialMessage[]; settle: Array<{ resolve: () => void; reject: (e: Error) => void }> } {
  const wire: Array<{ type: number; seq: number }> = [];
  const got: SerialMessage[] = [];
  const settle: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const link = new SerialLink((b) => {
    const f = decodeFrame(b.subarray(0, -1));
    wire.push({ type: f.type, seq: f.seq });
  }, {
    message: (m) => {
      got.push(m);
      return new Promise<void>((resolve, reject) => settle.push({ resolve, reject }));
    },
  });
  return { link, wire, got, settle };
}

const logFrame = (seq: number, m: string) => encodeFrame({ type: 0x0a, seq, unit: 0, payload: Buffer.from(`a2616c01616d6${m.length}${Buffer.from(m).toString('hex')}`, 'hex') });

describe('serial link: acks held by the owner (ack after commit)', () => {
  it('acks only when the owner resolves; a retransmission meanwhile is neither acked nor handled again', async () => {
    const h = holder();
    h.link.feed(logFrame(4, 'a'));
    assert.equal(h.got.length, 1);
    await sleep(5);
    assert.deepEqual(h.wire, [], 'no ack before the owner resolved');
    h.link.feed(logFrame(4, 'a')); // the device's retransmission
    await sleep(5);
    assert.deepEqual(h.wire, []);
    assert.equal(h.got.length, 1);
    assert.equal(h.link.counters.duplicates, 1);
    h.settle[0]!.resolve();
    await sleep(1);
    assert.deepEqual(h.wire, [{ type: 0, seq: 4 }]);
    h.link.feed(logFrame(4, 'a')); // that ack was lost: the next retransmission is acked at once
    assert.deepEqual(h.wire, [{ type: 0, seq: 4 }, { type: 0, seq: 4 }]);
    assert.equal(h.got.length, 1);
  });

  it('a rejected frame gets no ack and is forgotten: its retransmission is handled as new, then acked', async () => {
    const h = holder();
    h.link.feed(logFrame(9, 'b'));
    h.settle[0]!.reject(new Error('disk full'));
    await sleep(1);
    assert.deepEqual(h.wire, []);
    assert.equal(h.link.counters.acksWithheld, 1);
    h.link.feed(logFrame(9, 'b'));
    assert.equal(h.got.length, 2, 'handled again');
    h.settle[1]!.resolve();
    await sleep(1);
    assert.deepEqual(h.wire, [{ type: 0, seq: 9 }]);
  });

  it('an owner that throws gets no ack either', async () => {
    const wire: Buffer[] = [];
    const link = new SerialLink((b) => wire.push(b), { message: () => { throw new Error('boom'); } });
    link.feed(logFrame(1, 'c'));
    await sleep(1);
    assert.equal(wire.length, 0);
    assert.equal(link.counters.acksWithheld, 1);
  });

  it('acked at once (no promise): the ack leaves before what the owner sends in answer', () => {
    const wire: Array<{ type: number; seq: number }> = [];
    const link = new SerialLink((b) => {
      const f = decodeFrame(b.subarray(0, -1));
      wire.push({ type: f.type, seq: f.seq });
    }, { message: () => void link.send(log('answer')).catch(() => undefined) });
    link.feed(logFrame(7, 'd'));
    assert.deepEqual(wire, [{ type: 0, seq: 7 }, { type: 0x0a, seq: 0 }]);
    link.close();
  });
});

describe('serial link: abandon(unit)', () => {
  it('rejects the frames of one unit (in flight and queued) with DeviceNotFoundError and sends the others', async () => {
    const sent: Array<{ type: number; unit: number }> = [];
    const link = new SerialLink((b) => {
      const f = decodeFrame(b.subarray(0, -1));
      sent.push({ type: f.type, unit: f.unit });
    }, { message: () => undefined }, { ackTimeoutMs: 1000 });
    const a1 = link.send(log('u1 first'), 1);
    const b0 = link.send(log('u0'), 0);
    const a2 = link.send(log('u1 second'), 1);
    assert.equal(link.abandon(1), 2);
    await assert.rejects(a1, DeviceNotFoundError);
    await assert.rejects(a2, DeviceNotFoundError);
    assert.deepEqual(sent, [{ type: 0x0a, unit: 1 }, { type: 0x0a, unit: 0 }], 'unit 0 goes out next');
    assert.equal(link.backlog, 1);
    link.close();
    await assert.rejects(b0, BindingUnavailableError);
  });
});
