import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeOscoreOption, encodeOscoreOption, OscoreError } from '../../../protocols/oscore/index.js';
import { VECTORS, hex, orNull } from './vectors.js';

const show = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));

/** Asserts a typed malformed_option error with the CoAP answer of RFC 8613 §8.2 step 2. */
function assertMalformed(value: string, why: RegExp): void {
  assert.throws(
    () => decodeOscoreOption(hex(value)),
    (err: unknown) => err instanceof OscoreError && err.reason === 'malformed_option' && err.coapCode === '4.02' && err.diagnostic === 'Failed to decode COSE' && why.test(err.message),
    value,
  );
}

describe('OSCORE option value (RFC 8613 §6.1)', () => {
  const examples = [
    ...VECTORS.compression,
    ...VECTORS.requests.map((r) => ({ name: r.name, partialIv: r.partialIv, kidContext: r.kidContext, kid: r.kid, option: r.option })),
    ...VECTORS.responses.map((r) => ({ name: r.name, partialIv: r.partialIv, kidContext: null, kid: null, option: r.option })),
  ];
  for (const e of examples) {
    it(`${e.name}: ${e.option || '(empty)'}`, () => {
      const v = { partialIv: orNull(e.partialIv), kidContext: orNull(e.kidContext), kid: orNull(e.kid) };
      assert.equal(encodeOscoreOption(v).toString('hex'), e.option);
      const back = decodeOscoreOption(hex(e.option));
      assert.deepEqual({ partialIv: show(back.partialIv), kidContext: show(back.kidContext), kid: show(back.kid) }, { partialIv: e.partialIv, kidContext: e.kidContext, kid: e.kid });
    });
  }

  it('a 5-byte Partial IV, a 255-byte kid context and a 7-byte kid round-trip', () => {
    const v = { partialIv: hex('ffffffffff'), kidContext: Buffer.alloc(240, 0xab), kid: hex('01020304050607') };
    const enc = encodeOscoreOption(v);
    assert.equal(enc.toString('hex').slice(0, 14), '1dffffffffff' + 'f0'.slice(0, 2));
    assert.deepEqual(decodeOscoreOption(enc), v);
  });

  describe('hostile values are malformed_option (4.02)', () => {
    it('reserved flag bits', () => {
      for (const flag of ['20', '40', '80', 'e9']) assertMalformed(`${flag}14`, /reserved flag bits/);
    });
    it('Partial IV length 6 and 7 (longer than 5 bytes)', () => {
      assertMalformed('0e010203040506', /length 6 is reserved/);
      assertMalformed('0f01020304050607', /length 7 is reserved/);
    });
    it('truncated Partial IV, kid context length and kid context', () => {
      assertMalformed('03', /truncated Partial IV/);
      assertMalformed('0b0102', /truncated Partial IV/);
      assertMalformed('1914', /truncated kid context length/);
      assertMalformed('191408', /truncated kid context/);
      assertMalformed('19140837cbf3210017a2', /truncated kid context/);
    });
    it('bytes after the last field when no kid follows', () => {
      assertMalformed('011400', /after the last field/);
    });
    it('flag byte 0x00 in a non-empty value (§2: must be empty)', () => {
      assertMalformed('00', /flag byte 0x00/);
    });
    it('Partial IV with a leading zero byte (§5)', () => {
      assertMalformed('020014', /leading zero/);
    });
    it('a value longer than 255 bytes', () => {
      assertMalformed('08' + '01'.repeat(255), /256 bytes/);
    });
    it('encoding refuses what decoding would refuse', () => {
      assert.throws(() => encodeOscoreOption({ partialIv: hex('010203040506'), kidContext: null, kid: null }), OscoreError);
      assert.throws(() => encodeOscoreOption({ partialIv: Buffer.alloc(0), kidContext: null, kid: null }), OscoreError);
      assert.throws(() => encodeOscoreOption({ partialIv: null, kidContext: Buffer.alloc(256), kid: null }), OscoreError);
      assert.throws(() => encodeOscoreOption({ partialIv: hex('01'), kidContext: Buffer.alloc(250), kid: hex('0102030405') }), /at most 255/);
    });
  });
});
