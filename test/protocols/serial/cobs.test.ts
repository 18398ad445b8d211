import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cobsDecode, cobsEncode, cobsMaxEncodedBytes } from '../../../protocols/serial/cobs.js';
import { FrameInvalidError } from '../../../protocols/errors.js';
import { VECTORS, hex } from './vectors.js';

const seq = (from: number, to: number) => Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i));

describe('COBS', () => {
  // Cheshire and Baker's examples as listed on the COBS Wikipedia page (examples 1-11).
  const known: Array<[Buffer, Buffer]> = [
    [hex('00'), hex('0101')],
    [hex('0000'), hex('010101')],
    [hex('00110000'), hex('0102110101')],
    [hex('11220033'), hex('0311220233')],
    [hex('11223344'), hex('0511223344')],
    [hex('11000000'), hex('0211010101')],
    [seq(1, 254), Buffer.concat([hex('ff'), seq(1, 254)])],
    [seq(0, 254), Buffer.concat([hex('01ff'), seq(1, 254)])],
    [seq(1, 255), Buffer.concat([hex('ff'), seq(1, 254), hex('02ff')])],
    [Buffer.concat([seq(2, 255), hex('00')]), Buffer.concat([hex('ff'), seq(2, 255), hex('0101')])],
    [Buffer.concat([seq(3, 255), hex('0001')]), Buffer.concat([hex('fe'), seq(3, 255), hex('0201')])],
  ];

  it('encodes and decodes the published examples', () => {
    for (const [data, enc] of known) {
      assert.deepEqual(cobsEncode(data), enc, data.toString('hex').slice(0, 16));
      assert.deepEqual(cobsDecode(enc), data);
    }
  });

  it('matches the shipped vectors', () => {
    for (const v of VECTORS.cobs) {
      assert.equal(cobsEncode(hex(v.data)).toString('hex'), v.encoded, v.name);
      assert.equal(cobsDecode(hex(v.encoded)).toString('hex'), v.data, v.name);
    }
  });

  it('round-trips every length up to 600 with zeros at varying places, within the overhead bound', () => {
    for (let n = 0; n <= 600; n++) {
      const data = Buffer.alloc(n).map((_, i) => (i * 7 + n) % 5 === 0 ? 0 : (i * 31 + 1) & 0xff || 1);
      const enc = cobsEncode(data);
      assert.ok(!enc.includes(0), `no zero in encoding of ${n}`);
      assert.ok(enc.length <= cobsMaxEncodedBytes(n));
      assert.deepEqual(cobsDecode(enc), data);
    }
  });

  it('rejects a zero inside and a code past the end with FrameInvalidError', () => {
    assert.throws(() => cobsDecode(hex('031100')), FrameInvalidError);
    assert.throws(() => cobsDecode(hex('0511')), (e: unknown) => e instanceof FrameInvalidError && e.details?.['reason'] === 'cobs');
  });
});
