/**
 * Ed25519 keys for update files (@noble/curves, RFC 8032, strict encodings). Keys are stored as
 * hex text: a secret key file (mode 0600, build machine only) and public key files named
 * `<keyId>.pub` in the image's trusted-key folder. keyId = first 16 hex digits of SHA-256(pk).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { BadRequestError } from '../../../protocols/errors.js';

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
  const secretKey = ed25519.utils.randomSecretKey();
  return keyPairFromSecret(secretKey);
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

export function readSecretKeyFile(path: string): KeyPair {
  return keyPairFromSecret(parseHexKey(readFileSync(path, 'utf8'), SECRET_KEY_BYTES, path));
}

export function formatKey(key: Uint8Array): string {
  return `${Buffer.from(key).toString('hex')}\n`;
}

/** The trusted public keys in a folder of `<keyId>.pub` files, by keyId (recomputed, not trusted from the name). */
export function readTrustedKeys(dir: string): Map<string, Uint8Array> {
  const keys = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.pub')) continue;
    const key = parseHexKey(readFileSync(join(dir, name), 'utf8'), PUBLIC_KEY_BYTES, join(dir, name));
    keys.set(keyIdOf(key), key);
  }
  return keys;
}
