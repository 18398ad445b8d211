import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FrameInvalidError, PayloadTooLargeError } from '../../../protocols/errors.js';
import { DEFAULT_MAX_FRAME_BYTES, decodeFrame, encodeFrame, frameBody, maxWireBytes, parseBody } from '../../../protocols/serial/serial-frame.js';
import { VECTORS, hex } from './vectors.js';

describe('serial frame codec', () => {
  it('lays out type, seq, unit, payload, CRC LSB first (hello request vector)', () => {
    const v = VECTORS.frames.find((f) => f.name.startsWith('hello request'))!;
    assert.equal(v.frame, '01' + '00' + 'ff' + v.crc);
    const body = frameBody({ type: 1, seq: 0, unit: 0xff, payload: Buffer.alloc(0) });
    assert.equal(body.toString('hex'), v.frame);
  });

  for (const v of VECTORS.frames) {
    it(`vector: ${v.name}`, () => {
      const f = { type: v.type, seq: v.seq, unit: v.unit, payload: hex(v.payload) };
      assert.equal(frameBody(f).toString('hex'), v.frame);
      assert.equal(encodeFrame(f).toString('hex'), v.wire);
      const wire = hex(v.wire);
      assert.equal(wire[wire.length - 1], 0);
      assert.ok(!wire.subarray(0, -1).includes(0));
      assert.deepEqual(decodeFrame(wire.subarray(0, -1)), f);
    });
  }

  it('refuses to build a body over maxFrameBytes with PayloadTooLargeError', () => {
    const payload = Buffer.alloc(DEFAULT_MAX_FRAME_BYTES - 5 + 1, 0x41);
    assert.throws(() => encodeFrame({ type: 4, seq: 0, unit: 0, payload }), PayloadTooLargeError);
    const fits = encodeFrame({ type: 4, seq: 0, unit: 0, payload: payload.subarray(1) });
    assert.ok(fits.length <= maxWireBytes(DEFAULT_MAX_FRAME_BYTES));
  });

  it('rejects a bad CRC and a short body with typed errors naming the reason', () => {
    const body = frameBody({ type: 10, seq: 3, unit: 0, payload: Buffer.from('hi') });
    body[4]! ^= 0x80;
    assert.throws(() => parseBody(body), (e: unknown) => e instanceof FrameInvalidError && e.details?.['reason'] === 'crc' && /0x[0-9a-f]{4}/.test(e.message));
    assert.throws(() => parseBody(hex('01020304')), (e: unknown) => e instanceof FrameInvalidError && e.details?.['reason'] === 'short');
  });

  it('detects every single-bit error and every two-bit error in a 40-byte body', () => {
    const body = frameBody({ type: 4, seq: 9, unit: 1, payload: Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz0') });
    const bits = body.length * 8;
    for (let a = 0; a < bits; a++) {
      const one = Buffer.from(body);
      one[a >> 3]! ^= 1 << (a & 7);
      assert.throws(() => parseBody(one), FrameInvalidError);
      for (let b = a + 1; b < bits; b += 7) {
        const two = Buffer.from(one);
        two[b >> 3]! ^= 1 << (b & 7);
        assert.throws(() => parseBody(two), FrameInvalidError);
      }
    }
  });

  it('every frame body and whole wire printed in docs/protocols/serial.md has a good CRC and decodes', () => {
    const doc = readFileSync(new URL('../../../docs/protocols/serial.md', import.meta.url), 'utf8').split('\n');
    const checked: string[] = [];
    for (const [n, line] of doc.entries()) {
      for (const m of line.matchAll(/\b(body|wire) +((?:[0-9a-f]{2} ?)+)(\.\.\.)?/g)) {
        let bytes = m[2]!.trim();
        // A body that goes on on the next line (indented hex only).
        for (let k = n + 1; m[1] === 'body' && /^\s+([0-9a-f]{2} ?)+$/.test(doc[k] ?? ''); k++) bytes += ' ' + doc[k]!.trim();
        if (m[3] || line.slice(m.index! + m[0].length).startsWith(' ...')) continue; // elided
        const buf = hex(bytes.replace(/ /g, ''));
        if (m[1] === 'body') assert.doesNotThrow(() => parseBody(buf), `line ${n + 1}: ${bytes}`);
        else {
          assert.equal(buf[buf.length - 1], 0, `line ${n + 1}: a wire ends with 00`);
          assert.doesNotThrow(() => decodeFrame(buf.subarray(0, -1)), `line ${n + 1}: ${bytes}`);
        }
        checked.push(`${m[1]}@${n + 1}`);
      }
    }
    assert.ok(checked.length >= 15, checked.join(' '));
  });
});

