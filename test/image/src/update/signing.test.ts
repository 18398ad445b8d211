import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BadRequestError } from '../../../../protocols/errors.js';
import { formatKey, generateKeyPair, keyIdOf, keyPairFromSecret, readTrustedKeys, sign, verify } from '../../../../image/src/update/signing.js';
import { tempDir } from '../../../helpers/temp-dir.js';

// RFC 8032 §7.1, TEST 1 and TEST 2.
const VECTORS = [
  {
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

test('RFC 8032 vectors: public key, signature and verification', () => {
  for (const v of VECTORS) {
    const kp = keyPairFromSecret(hex(v.secret));
    assert.equal(Buffer.from(kp.publicKey).toString('hex'), v.public);
    assert.equal(Buffer.from(sign(hex(v.message), kp.secretKey)).toString('hex'), v.signature);
    assert.equal(verify(hex(v.signature), hex(v.message), kp.publicKey), true);
  }
});

test('verify rejects a changed message, a changed signature, another key and wrong lengths', () => {
  const kp = generateKeyPair();
  const other = generateKeyPair();
  const msg = Buffer.from('roost update header');
  const sig = sign(msg, kp.secretKey);
  assert.equal(verify(sig, msg, kp.publicKey), true);
  assert.equal(verify(sig, Buffer.from('roost update headeR'), kp.publicKey), false);
  const flipped = Uint8Array.from(sig);
  flipped[10] = flipped[10]! ^ 1;
  assert.equal(verify(flipped, msg, kp.publicKey), false);
  assert.equal(verify(sig, msg, other.publicKey), false);
  assert.equal(verify(sig.subarray(0, 63), msg, kp.publicKey), false);
  assert.equal(verify(sig, msg, kp.publicKey.subarray(0, 31)), false);
});

test('trusted keys are indexed by the key id computed from the key, not the file name', () => {
  const dir = tempDir('roost-keys-');
  const kp = generateKeyPair();
  writeFileSync(join(dir, 'vendor.pub'), formatKey(kp.publicKey));
  writeFileSync(join(dir, 'README'), 'not a key');
  const keys = readTrustedKeys(dir);
  assert.deepEqual([...keys.keys()], [keyIdOf(kp.publicKey)]);
  assert.match(kp.keyId, /^[0-9a-f]{16}$/);
  writeFileSync(join(dir, 'bad.pub'), 'zz');
  assert.throws(() => readTrustedKeys(dir), BadRequestError);
});

test('a secret key of the wrong length is refused', () => {
  assert.throws(() => keyPairFromSecret(new Uint8Array(31)), BadRequestError);
});
