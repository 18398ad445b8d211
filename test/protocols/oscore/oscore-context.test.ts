import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildNonce, deriveContext, kdfInfo, OscoreError } from '../../../protocols/oscore/index.js';
import { VECTORS, contextOf, hex, orNull } from './vectors.js';

describe('OSCORE security context derivation (RFC 8613 §3.2, Appendix C.1-C.3)', () => {
  for (const v of VECTORS.derivation) {
    it(v.name, () => {
      const idContext = orNull(v.idContext);
      // The CBOR info arrays, byte for byte as the RFC prints them.
      assert.equal(kdfInfo(hex(v.senderId), idContext, 'Key', 16).toString('hex'), v.infoSenderKey);
      assert.equal(kdfInfo(hex(v.recipientId), idContext, 'Key', 16).toString('hex'), v.infoRecipientKey);
      assert.equal(kdfInfo(Buffer.alloc(0), idContext, 'IV', 13).toString('hex'), v.infoCommonIv);
      const ctx = contextOf(v.name);
      assert.equal(ctx.alg, 10);
      assert.equal(ctx.senderKey.toString('hex'), v.senderKey);
      assert.equal(ctx.recipientKey.toString('hex'), v.recipientKey);
      assert.equal(ctx.commonIv.toString('hex'), v.commonIv);
      assert.equal(ctx.idContext?.toString('hex') ?? null, v.idContext);
      // "From the previous parameters and a Partial IV equal to 0 (both for sender and recipient)".
      assert.equal(buildNonce(ctx.commonIv, ctx.senderId, Buffer.of(0)).toString('hex'), v.senderNonce);
      assert.equal(buildNonce(ctx.commonIv, ctx.recipientId, Buffer.of(0)).toString('hex'), v.recipientNonce);
    });
  }

  it('an absent Master Salt is the empty byte string (C.2 derives the same with salt h\'\')', () => {
    const d = VECTORS.derivation.find((v) => v.masterSalt === null)!;
    const ctx = deriveContext({ masterSecret: hex(d.masterSecret), masterSalt: Buffer.alloc(0), senderId: hex(d.senderId), recipientId: hex(d.recipientId) });
    assert.equal(ctx.senderKey.toString('hex'), d.senderKey);
  });

  it('info encodes ids as CBOR byte strings (major type 2) and a missing ID Context as nil', () => {
    const info = kdfInfo(Buffer.from('0102', 'hex'), null, 'Key', 16);
    assert.equal(info.toString('hex'), '8542' + '0102' + 'f6' + '0a' + '634b6579' + '10');
  });

  it('rejects parameters that break RFC 8613 §3.3', () => {
    const base = { masterSecret: hex('0102030405060708090a0b0c0d0e0f10'), senderId: Buffer.alloc(0), recipientId: hex('01') };
    const reason = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof OscoreError);
        return err.reason;
      }
      return 'no error';
    };
    assert.equal(reason(() => deriveContext({ ...base, senderId: hex('0102030405060708') })), 'invalid_context');
    assert.equal(reason(() => deriveContext({ ...base, recipientId: hex('0102030405060708') })), 'invalid_context');
    assert.equal(reason(() => deriveContext({ ...base, recipientId: Buffer.alloc(0) })), 'invalid_context');
    assert.equal(reason(() => deriveContext({ ...base, masterSecret: Buffer.alloc(0) })), 'invalid_context');
    // 7 bytes is the longest ID (13-byte nonce - 6).
    assert.equal(deriveContext({ ...base, senderId: hex('01020304050607') }).senderId.length, 7);
  });
});
