/**
 * Password hashing with scrypt (memory-hard, node:crypto). Stored as
 * `scrypt$N$r$p$salt$hash` (base64url), compared in constant time.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** N=2^15, r=8, p=1: 32 MiB and ~50-100 ms per hash on this class of machine. */
export const SCRYPT_PARAMS = { N: 32768, r: 8, p: 1, keyBytes: 32, saltBytes: 16 } as const;

function scrypt(password: string, salt: Buffer, keyBytes: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keyBytes, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, params = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(params.saltBytes);
  const key = await scrypt(password, salt, params.keyBytes, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const N = Number(n);
  const R = Number(r);
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N, r: R, p: Number(p), maxmem: 256 * N * R });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
