/** MT stream framer under hostile chunking: splits at every offset, garbage, bad FCS, false SOF. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MtFramer } from '../../../protocols/znp/mt-framer.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const PING = hex('fe 00 21 01 20');
const PING_RSP = hex('fe 02 61 01 79 01 1a');
const STATE = hex('fe 01 45 c0 09 8d');

test('two frames in one chunk', () => {
  const f = new MtFramer();
  const out = f.push(Buffer.concat([PING, PING_RSP]));
  assert.deepEqual(out.map((x) => x.commandId), [0x01, 0x01]);
  assert.deepEqual([...out[1]!.data], [0x79, 0x01]);
  assert.equal(f.counters.droppedBytes, 0);
});

test('a stream split at every byte offset yields the same frames', () => {
  const stream = Buffer.concat([PING, PING_RSP, STATE]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const f = new MtFramer();
    const out = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
    assert.equal(out.length, 3, `cut at ${cut}`);
    assert.equal(f.bufferedBytes, 0);
  }
  const f = new MtFramer();
  const out = [...stream].flatMap((b) => f.push(Uint8Array.of(b)));
  assert.deepEqual(out.map((x) => x.commandId), [0x01, 0x01, 0xc0]);
});

test('garbage before SOF is skipped and counted', () => {
  const f = new MtFramer();
  const out = f.push(Buffer.concat([hex('00 11 22'), PING]));
  assert.equal(out.length, 1);
  assert.equal(f.counters.droppedBytes, 3);
});

test('a bad FCS drops the frame, counts it, and resyncs on the next SOF', () => {
  const f = new MtFramer();
  const bad = Buffer.from(PING_RSP);
  bad[bad.length - 1] = 0x00;
  const out = f.push(Buffer.concat([bad, STATE]));
  assert.deepEqual(out.map((x) => x.commandId), [0xc0]);
  assert.equal(f.counters.badFcs, 1);
  assert.equal(f.counters.droppedBytes, bad.length);
});

test('a false SOF inside garbage does not swallow the real frame', () => {
  const f = new MtFramer();
  // 0xfe followed by a LEN of 0x02 that would run into the real frame.
  const out = f.push(Buffer.concat([hex('fe 02 ff'), PING]));
  assert.deepEqual(out.map((x) => x.commandId), [0x01]);
});

test('an oversize LEN is a false SOF (limit from options)', () => {
  const f = new MtFramer({ maxDataBytes: 4 });
  const out = f.push(Buffer.concat([hex('fe 10'), STATE]));
  assert.deepEqual(out.map((x) => x.commandId), [0xc0]);
  assert.equal(f.counters.droppedBytes, 2);
});

test('round trip of a full-size frame', () => {
  const data = Buffer.alloc(250, 0xab);
  const frame = Buffer.concat([hex('fe fa 44 81'), data]);
  const fcs = [...frame.subarray(1)].reduce((a, b) => a ^ b, 0);
  const f = new MtFramer();
  const out = f.push(Buffer.concat([frame, Uint8Array.of(fcs)]));
  assert.equal(out[0]?.data.length, 250);
});
