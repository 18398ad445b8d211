import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SerialFramer } from '../../../protocols/serial/serial-framer.js';
import { encodeFrame, type SerialFrame } from '../../../protocols/serial/serial-frame.js';
import { VECTORS, hex } from './vectors.js';

const f1: SerialFrame = { type: 4, seq: 1, unit: 0, payload: Buffer.from('81a3006474656d700163436c656c02f94d60', 'hex') };
const f2: SerialFrame = { type: 10, seq: 2, unit: 3, payload: Buffer.from([0, 0, 1, 0, 2]) };
const w1 = encodeFrame(f1);
const w2 = encodeFrame(f2);

describe('serial stream framer (hostile chunking)', () => {
  it('two frames in one chunk', () => {
    const fr = new SerialFramer();
    assert.deepEqual(fr.push(Buffer.concat([w1, w2])), [f1, f2]);
    assert.equal(fr.counters.framesIn, 2);
  });

  it('a split at every byte offset, and one byte at a time', () => {
    const both = Buffer.concat([w1, w2]);
    for (let cut = 0; cut <= both.length; cut++) {
      const fr = new SerialFramer();
      const got = [...fr.push(both.subarray(0, cut)), ...fr.push(both.subarray(cut))];
      assert.deepEqual(got, [f1, f2], `cut at ${cut}`);
      assert.equal(fr.buffered, 0);
    }
    const fr = new SerialFramer();
    const got: SerialFrame[] = [];
    for (const b of both) got.push(...fr.push(Buffer.from([b])));
    assert.deepEqual(got, [f1, f2]);
  });

  it('garbage before a frame is dropped and counted; the frame after it is kept', () => {
    const fr = new SerialFramer();
    const got = fr.push(Buffer.concat([hex('ffee17deadbeef'), w1]));
    // Garbage without a delimiter merges with the next frame: that frame is lost, the next is not.
    assert.deepEqual(got, []);
    assert.equal(fr.counters.droppedBadCobs + fr.counters.droppedBadCrc, 1);
    assert.deepEqual(fr.push(w2), [f2]);
    // A sender that flushes with a 0x00 first loses nothing.
    const fr2 = new SerialFramer();
    assert.deepEqual(fr2.push(Buffer.concat([hex('ffee17deadbeef00'), w1])), [f1]);
    assert.equal(fr2.counters.droppedBadCobs + fr2.counters.droppedBadCrc + fr2.counters.droppedShort, 1);
  });

  it('a bad CRC is dropped and counted; the next frame survives', () => {
    const bad = Buffer.from(w1);
    bad[5]! ^= 0x04;
    const fr = new SerialFramer();
    assert.deepEqual(fr.push(Buffer.concat([bad, w2])), [f2]);
    assert.equal(fr.counters.droppedBadCrc, 1);
  });

  it('an oversize run is discarded without buffering it, counted once, then the framer resyncs', () => {
    const fr = new SerialFramer(64);
    const big = Buffer.alloc(10_000, 0x55);
    for (let i = 0; i < big.length; i += 1000) {
      assert.deepEqual(fr.push(big.subarray(i, i + 1000)), []);
      assert.ok(fr.buffered <= 66, `buffered ${fr.buffered}`);
    }
    assert.deepEqual(fr.push(Buffer.concat([hex('00'), w2])), [f2]);
    assert.equal(fr.counters.droppedOversize, 1);
  });

  it('an empty frame (0x00 0x00) is no drop; runts are counted as short', () => {
    const fr = new SerialFramer();
    assert.deepEqual(fr.push(hex('000000')), []);
    assert.deepEqual(fr.push(hex('020100')), []);
    assert.equal(fr.counters.droppedShort, 1);
    assert.equal(fr.counters.droppedBadCobs + fr.counters.droppedBadCrc + fr.counters.droppedOversize, 0);
  });

  it('the invalid vectors each drop with their reason', () => {
    const names = { badCrc: 'droppedBadCrc', badCobs: 'droppedBadCobs', short: 'droppedShort', oversize: 'droppedOversize' } as const;
    for (const v of VECTORS.invalid) {
      const fr = new SerialFramer(VECTORS.maxFrameBytes);
      const why: string[] = [];
      fr.onDrop = (w) => why.push(w);
      assert.deepEqual(fr.push(hex(v.wire)), [], v.name);
      assert.equal(fr.counters[names[v.drop]], 1, v.name);
      assert.deepEqual(why, [v.drop]);
    }
  });

  it('the stream vector yields its frames and drops', () => {
    const fr = new SerialFramer(VECTORS.maxFrameBytes);
    assert.equal(fr.push(hex(VECTORS.stream.wire)).length, VECTORS.stream.frames);
    for (const [k, n] of Object.entries(VECTORS.stream.drops)) {
      assert.equal(fr.counters[`dropped${k[0]!.toUpperCase()}${k.slice(1)}` as 'droppedBadCrc'], n, k);
    }
  });

  it('random noise never yields a frame, and a frame after noise and a delimiter always does', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 8;
    const fr = new SerialFramer();
    let bogus = 0;
    for (let i = 0; i < 300; i++) {
      const noise = Buffer.alloc(rnd() % 300).map(() => rnd() & 0xff);
      bogus += fr.push(noise).length;
      assert.deepEqual(fr.push(Buffer.concat([hex('00'), w1])), [f1]);
    }
    assert.equal(bogus, 0);
  });
});
