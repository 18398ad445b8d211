/**
 * Ed25519 keys for update files (@noble/curves, RFC 8032, strict encodings). Pure: keys arrive as
 * hex text (a secret key file on the build machine, `<keyId>.pub` files among a device's trusted
 * keys); keyId = first 16 hex digits of SHA-256(pk). Reading the files is the caller's job.
 */
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { BadRequestError } from '../errors.js';

const PUBLIC_KEY_BYTES = 32;
const SECRET_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  keyId: string;
}

export function keyIdOf(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
}

export function generateKeyPair(): KeyPair {
  return keyPairFromSecret(ed25519.utils.randomSecretKey());
}

export function keyPairFromSecret(secretKey: Uint8Array): KeyPair {
  if (secretKey.length !== SECRET_KEY_BYTES) throw new BadRequestError(`Ed25519 secret key must be ${SECRET_KEY_BYTES} bytes, got ${secretKey.length}`);
  const publicKey = ed25519.getPublicKey(secretKey);
  return { secretKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed25519.sign(message, secretKey);
}

/** True only for a valid signature in the strict RFC 8032 encoding (no ZIP-215 leniency). */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

function parseHexKey(text: string, bytes: number, what: string): Uint8Array {
  const hex = text.trim();
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(hex)) throw new BadRequestError(`${what}: expected ${bytes * 2} hex digits`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** A key pair from the text of a secret key file (64 hex digits); `what` names the file in errors. */
export function parseSecretKey(text: string, what: string): KeyPair {
  return keyPairFromSecret(parseHexKey(text, SECRET_KEY_BYTES, what));
}

export function formatKey(key: Uint8Array): string {
  return `${Buffer.from(key).toString('hex')}\n`;
}

/**
 * Trusted public keys by keyId (recomputed from the key, never taken from the name) from the
 * files of a trusted-key folder; only `*.pub` files count.
 */
export function parseTrustedKeys(files: Iterable<{ name: string; text: string }>): Map<string, Uint8Array> {
  const keys = new Map<string, Uint8Array>();
  for (const f of files) {
    if (!f.name.endsWith('.pub')) continue;
    const key = parseHexKey(f.text, PUBLIC_KEY_BYTES, f.name);
    keys.set(keyIdOf(key), key);
  }
  return keys;
}
