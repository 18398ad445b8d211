/**
 * Public keys of private keys, through node:crypto (OpenSSL). @noble/curves builds a table of
 * precomputed multiples of the base point the first time it multiplies it (~0.9 MiB of heap for
 * P-256, ~0.25 MiB for Ed25519) and keeps it for good; the gateway derives its own public keys at
 * every start, so with noble the idle gateway held both tables before any device had spoken EDHOC
 * (make bench idle-rss). Signing still goes through noble, which builds its table on first use.
 */
import { createECDH, createPrivateKey, createPublicKey } from 'node:crypto';

/** PKCS #8 prefixes of a 32-byte OKP private key (RFC 8410 §7): SEQUENCE, version 0, algorithm OID, OCTET STRING. */
const PKCS8_PREFIX = {
  x25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
  ed25519: Buffer.from('302e020100300506032b657004220420', 'hex'),
} as const;

/** The public key (32 bytes, RFC 7748 / RFC 8032 encoding) of an X25519 or Ed25519 private key. */
export function okpPublicKey(crv: keyof typeof PKCS8_PREFIX, privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32) throw new RangeError(`${crv} private key of ${privateKey.length} bytes, expected 32`);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX[crv], privateKey]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

/** The uncompressed SEC1 public key (0x04 || x || y, 65 bytes) of a P-256 private key; throws for 0 or >= n. */
export function p256PublicKey(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32) throw new RangeError(`P-256 private key of ${privateKey.length} bytes, expected 32`);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return ecdh.getPublicKey();
}
