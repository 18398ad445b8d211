import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildNonce, encodeAad, encodeAadArray, encodePartialIv, exchangeAad, MAX_SEQUENCE_NUMBER, OscoreError, partialIvValue } from '../../../protocols/oscore/index.js';
import { VECTORS, contextOf, hex } from './vectors.js';

describe('Partial IV and AEAD nonce (RFC 8613 §5, §5.2)', () => {
  it('Partial IV: big-endian without leading zeros, 0 as 0x00, at most 2^40 - 1', () => {
    const cases: Array<[number, string]> = [[0, '00'], [20, '14'], [255, 'ff'], [256, '0100'], [65536, '010000'], [MAX_SEQUENCE_NUMBER, 'ffffffffff']];
    for (const [n, h] of cases) {
      assert.equal(encodePartialIv(n).toString('hex'), h);
      assert.equal(partialIvValue(hex(h)), n);
    }
    for (const bad of [-1, 1.5, MAX_SEQUENCE_NUMBER + 1]) {
      assert.throws(() => encodePartialIv(bad), (e: unknown) => e instanceof OscoreError && e.reason === 'sequence_exhausted');
    }
  });

  it('nonces of C.4-C.8', () => {
    for (const r of VECTORS.requests) {
      const ctx = contextOf(r.clientContext);
      assert.equal(buildNonce(ctx.commonIv, ctx.senderId, hex(r.partialIv)).toString('hex'), r.nonce, r.name);
    }
    // C.8: the server's own Partial IV 0 with its Sender ID 0x01.
    const server = contextOf('C.1.2 server, with Master Salt');
    const c8 = VECTORS.responses.find((r) => r.partialIv !== null)!;
    assert.equal(buildNonce(server.commonIv, server.senderId, hex(c8.partialIv!)).toString('hex'), c8.nonce);
  });

  it('a 7-byte ID and a 5-byte Partial IV fill the nonce; longer ones are refused', () => {
    const iv = Buffer.alloc(13);
    assert.equal(buildNonce(iv, hex('01020304050607'), hex('0a0b0c0d0e')).toString('hex'), '07' + '01020304050607' + '0a0b0c0d0e');
    assert.equal(buildNonce(iv, hex('ab'), hex('01')).toString('hex'), '01' + '000000000000ab' + '0000000001');
    assert.throws(() => buildNonce(iv, hex('0102030405060708'), hex('01')), OscoreError);
    assert.throws(() => buildNonce(iv, hex('01'), hex('010203040506')), OscoreError);
  });
});

describe('AAD (RFC 8613 §5.4)', () => {
  it('the §5.4 example: aad_array, external_aad and Enc_structure', () => {
    const e = VECTORS.aadExample;
    const arr = encodeAadArray(e.alg, hex(e.requestKid), hex(e.requestPiv));
    assert.equal(arr.toString('hex'), e.aadArray);
    // external_aad is aad_array wrapped in a bstr: the 11-byte prefix is "Encrypt0" and h''.
    const aad = encodeAad(arr);
    assert.equal(aad.toString('hex'), e.aad);
    assert.equal(aad.subarray(11).toString('hex'), e.externalAad);
  });

  it('aad_array and AAD of C.4-C.8', () => {
    for (const r of VECTORS.requests) {
      assert.equal(encodeAadArray(10, hex(r.kid), hex(r.partialIv)).toString('hex'), r.aadArray, r.name);
      assert.equal(exchangeAad(10, hex(r.kid), hex(r.partialIv)).toString('hex'), r.aad, r.name);
    }
    const c4 = VECTORS.requests[0]!;
    for (const r of VECTORS.responses) assert.equal(exchangeAad(10, hex(c4.kid), hex(c4.partialIv)).toString('hex'), r.aad, r.name);
  });
});
