import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { okpPublicKey, p256PublicKey } from '../../../protocols/edhoc/public-keys.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

describe('public keys through node:crypto', () => {
  it('match RFC 8032 test 1 (Ed25519) and RFC 7748 section 6.1 (X25519)', () => {
    const edSk = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    assert.deepEqual(Buffer.from(okpPublicKey('ed25519', edSk)), hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'));
    const xSk = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    assert.deepEqual(Buffer.from(okpPublicKey('x25519', xSk)), hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'));
  });

  it('equal @noble/curves for random keys of every curve', () => {
    for (let i = 0; i < 20; i++) {
      const sk = p256.utils.randomSecretKey();
      assert.deepEqual(Buffer.from(p256PublicKey(sk)), Buffer.from(p256.getPublicKey(sk, false)));
      const ok = randomBytes(32);
      assert.deepEqual(Buffer.from(okpPublicKey('ed25519', ok)), Buffer.from(ed25519.getPublicKey(ok)));
      assert.deepEqual(Buffer.from(okpPublicKey('x25519', ok)), Buffer.from(x25519.getPublicKey(ok)));
    }
  });

  it('refuse private keys that are not keys', () => {
    assert.throws(() => p256PublicKey(new Uint8Array(32)), /not valid|invalid/i);
    const n = hex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    assert.throws(() => p256PublicKey(n), /not valid|invalid/i);
    assert.throws(() => p256PublicKey(new Uint8Array(31)), RangeError);
    assert.throws(() => okpPublicKey('ed25519', new Uint8Array(33)), RangeError);
  });
});
