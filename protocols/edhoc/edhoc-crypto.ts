/**
 * The primitives EDHOC's cipher suites name, behind two small tables: ECDH curves and signature
 * algorithms through @noble/curves; SHA-256, HMAC and the AEADs through node:crypto.
 * Public keys travel in compact form (RFC 9528 §3.7, Appendix B): the x-coordinate only.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, type CipherCCMTypes, type CipherGCMTypes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { EdhocError } from './edhoc-errors.js';
import { okpPublicKey, p256PublicKey } from './public-keys.js';
import type { CipherSuite, EdhocCurve, EdhocSignature } from './edhoc-suites.js';

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** HKDF-Extract (RFC 5869 §2.2) with SHA-256: HMAC(salt, IKM). */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return createHmac('sha256', salt).update(ikm).digest();
}

/** HKDF-Expand (RFC 5869 §2.3) with SHA-256; at most 255 * 32 bytes. */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) throw new EdhocError('internal', 'HKDF-Expand length out of range');
  const out = Buffer.alloc(length);
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 1, off = 0; off < length; i++) {
    prev = createHmac('sha256', prk).update(prev).update(info).update(Uint8Array.of(i)).digest();
    out.set(prev.subarray(0, Math.min(prev.length, length - off)), off);
    off += prev.length;
  }
  return out;
}

/** AEAD encryption of COSE_Encrypt0 (RFC 9052 §5.3): ciphertext followed by the tag. */
export function aeadEncrypt(suite: CipherSuite, key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const opts = { authTagLength: suite.tagLength };
  const cipher = suite.aead === 'aes-128-ccm'
    ? createCipheriv(suite.aead as CipherCCMTypes, key, iv, opts).setAAD(aad, { plaintextLength: plaintext.length })
    : createCipheriv(suite.aead as CipherGCMTypes, key, iv, opts).setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** AEAD decryption; a wrong tag is EdhocError 'decrypt_failed'. */
export function aeadDecrypt(suite: CipherSuite, key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length < suite.tagLength) throw new EdhocError('decrypt_failed', 'Ciphertext shorter than the tag');
  const body = ciphertext.subarray(0, ciphertext.length - suite.tagLength);
  const tag = ciphertext.subarray(ciphertext.length - suite.tagLength);
  try {
    const opts = { authTagLength: suite.tagLength };
    const decipher = suite.aead === 'aes-128-ccm'
      ? createDecipheriv(suite.aead as CipherCCMTypes, key, iv, opts).setAuthTag(tag).setAAD(aad, { plaintextLength: body.length })
      : createDecipheriv(suite.aead as CipherGCMTypes, key, iv, opts).setAuthTag(tag).setAAD(aad);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (err) {
    throw new EdhocError('decrypt_failed', undefined, { cause: err });
  }
}

export interface CurveOps {
  /** Length of a private key and of a compact public key (the x-coordinate). */
  readonly keyLength: number;
  /** Compact public key of a private key. */
  publicKey(privateKey: Uint8Array): Uint8Array;
  /** ECDH shared secret (x-coordinate) with a compact public key; validates the key (RFC 9528 §9.2). */
  ecdh(privateKey: Uint8Array, peerX: Uint8Array): Uint8Array;
  randomPrivateKey(): Uint8Array;
}

export const CURVES: Readonly<Record<EdhocCurve, CurveOps>> = {
  x25519: {
    keyLength: 32,
    publicKey: (sk) => okpPublicKey('x25519', sk),
    ecdh: (sk, peer) => {
      checkLength(peer, 32);
      const shared = guard(() => x25519.getSharedSecret(sk, peer));
      // RFC 9528 §9.2, RFC 7748 §6.1: the all-zero output (low-order point) MUST be refused.
      if (shared.every((b) => b === 0)) throw new EdhocError('invalid_public_key', 'X25519 low-order point');
      return shared;
    },
    randomPrivateKey: () => randomBytes(32),
  },
  p256: {
    keyLength: 32,
    publicKey: (sk) => p256PublicKey(sk).subarray(1, 33),
    // Compact representation (RFC 9528 Appendix B): any y fits, so take the even one (0x02 prefix);
    // noble checks x < p and that the point is on the curve (SP 800-56A §5.6.2.3 partial validation).
    ecdh: (sk, peer) => {
      checkLength(peer, 32);
      return guard(() => p256.getSharedSecret(sk, Buffer.concat([Uint8Array.of(2), peer]), true)).subarray(1);
    },
    randomPrivateKey: () => p256.utils.randomSecretKey(),
  },
};

/** A public authentication key: OKP keys by x, P-256 keys by x and y (RFC 9053 §7.1, §7.2). */
export interface PublicKey {
  readonly crv: 'x25519' | 'ed25519' | 'p256';
  readonly x: Uint8Array;
  readonly y?: Uint8Array;
}

/** Raw public key bytes: OKP x (32 bytes), P-256 uncompressed SEC1 0x04 || x || y (65 bytes). */
export function publicKeyBytes(key: PublicKey): Uint8Array {
  if (key.crv !== 'p256') return key.x;
  if (!key.y) throw new EdhocError('unsupported_credential', 'P-256 key without y');
  return Buffer.concat([Uint8Array.of(4), key.x, key.y]);
}

export interface SignatureOps {
  readonly crv: PublicKey['crv'];
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  verify(publicKey: PublicKey, message: Uint8Array, signature: Uint8Array): boolean;
  publicKey(privateKey: Uint8Array): PublicKey;
}

export const SIGNATURES: Readonly<Record<EdhocSignature, SignatureOps>> = {
  ed25519: {
    crv: 'ed25519',
    sign: (sk, msg) => ed25519.sign(msg, sk),
    verify: (pk, msg, sig) => safeVerify(() => ed25519.verify(sig, msg, pk.x)),
    publicKey: (sk) => ({ crv: 'ed25519', x: okpPublicKey('ed25519', sk) }),
  },
  // ES256 (RFC 9053 §2.1): ECDSA P-256 over SHA-256, signature r || s; high-S signatures from
  // other implementations are valid ECDSA and accepted.
  es256: {
    crv: 'p256',
    sign: (sk, msg) => p256.sign(msg, sk, { prehash: true }),
    verify: (pk, msg, sig) => safeVerify(() => p256.verify(sig, msg, publicKeyBytes(pk), { prehash: true, lowS: false })),
    publicKey: (sk) => {
      const full = p256PublicKey(sk);
      return { crv: 'p256', x: full.subarray(1, 33), y: full.subarray(33) };
    },
  },
};

/** The public key of a static DH private key on a suite's curve, in credential form. */
export function staticDhPublicKey(curve: EdhocCurve, privateKey: Uint8Array): PublicKey {
  if (curve === 'x25519') return { crv: 'x25519', x: okpPublicKey('x25519', privateKey) };
  const full = p256PublicKey(privateKey);
  return { crv: 'p256', x: full.subarray(1, 33), y: full.subarray(33) };
}

function checkLength(key: Uint8Array, n: number): void {
  if (key.length !== n) throw new EdhocError('invalid_public_key', `Public key of ${key.length} bytes, expected ${n}`);
}

function guard(fn: () => Uint8Array): Uint8Array {
  try {
    return fn();
  } catch (err) {
    throw new EdhocError('invalid_public_key', undefined, { cause: err });
  }
}

function safeVerify(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}
