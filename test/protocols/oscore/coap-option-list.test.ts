import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameInvalidError } from '../../../protocols/errors.js';
import { codeByte, codeText, decodeCoapDatagram, decodeOptionList, encodeCoapDatagram, encodeOptionList } from '../../../protocols/oscore/index.js';
import { VECTORS, hex } from './vectors.js';

describe('CoAP option list and datagram codec (RFC 7252 §3, §3.1)', () => {
  it('every Appendix C message decodes and re-encodes byte for byte', () => {
    for (const v of [...VECTORS.requests, ...VECTORS.responses]) {
      for (const wire of [v.unprotected, v.protected]) assert.equal(encodeCoapDatagram(decodeCoapDatagram(hex(wire))).toString('hex'), wire, v.name);
    }
    const c4 = decodeCoapDatagram(hex(VECTORS.requests[0]!.unprotected));
    assert.deepEqual([c4.type, c4.code, c4.mid, c4.token.toString('hex')], [0, '0.01', 0x5d1f, '00003974']);
    assert.deepEqual(c4.options.map((o) => [o.number, o.value.toString()]), [[3, 'localhost'], [11, 'tv1']]);
  });

  it('extended deltas and lengths (13 and 14 nibbles), options sorted, repeats kept in order', () => {
    const options = [
      { number: 292, value: Buffer.alloc(300, 1) },
      { number: 11, value: Buffer.from('a') },
      { number: 11, value: Buffer.from('b') },
      { number: 60, value: Buffer.alloc(20, 2) },
      { number: 2000, value: Buffer.alloc(0) },
    ];
    const enc = encodeOptionList(options, Buffer.from('p'));
    // Uri-Path 'a': delta 11, length 1 -> 0xb1.
    assert.equal(enc.subarray(0, 2).toString('hex'), 'b161');
    const dec = decodeOptionList(enc);
    assert.deepEqual(dec.options.map((o) => [o.number, o.value.length]), [[11, 1], [11, 1], [60, 20], [292, 300], [2000, 0]]);
    assert.deepEqual(dec.options.slice(0, 2).map((o) => o.value.toString()), ['a', 'b']);
    assert.equal(dec.payload.toString(), 'p');
  });

  it('codes as "c.dd" text', () => {
    assert.equal(codeByte('0.02'), 2);
    assert.equal(codeByte('2.05'), 0x45);
    assert.equal(codeText(0x84), '4.04');
    for (const bad of ['2.32', '8.00', 'GET', '2.5']) assert.throws(() => codeByte(bad), FrameInvalidError);
  });

  it('malformed input is FrameInvalidError', () => {
    for (const bad of ['ff', 'f0', '0f', 'd1', 'e100', '130102', '41']) assert.throws(() => decodeOptionList(hex(bad)), FrameInvalidError, bad);
    for (const bad of ['', '4001', '80010000', '49010000', '4401000001']) assert.throws(() => decodeCoapDatagram(hex(bad)), FrameInvalidError, bad);
    assert.throws(() => encodeCoapDatagram({ type: 0, code: '0.01', mid: 1, token: Buffer.alloc(9), options: [], payload: Buffer.alloc(0) }), FrameInvalidError);
  });
});
