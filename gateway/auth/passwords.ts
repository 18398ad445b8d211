/**
 * Password hashing with scrypt (memory-hard, node:crypto). Stored as
 * `scrypt$N$r$p$salt$hash` (base64url), compared in constant time.
 */
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

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

/**
 * Successful password checks remembered for `ttlMs`, so that many clients logging in with the same
 * credentials at once (devices reconnecting after a restart) cost one scrypt check, not one each.
 * An entry holds an HMAC of (username, password) under a key drawn at start, never the password,
 * and the stored hash it was checked against: a password change misses the cache. Bounded by
 * `maxEntries` (the oldest goes). Failures are never remembered.
 */
export class VerifiedPasswords {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { digest: Buffer; stored: string; until: number }>();

  constructor(private readonly opts: { ttlMs: number; maxEntries: number; now: () => number }) {}

  /** True when this password was verified against `stored` within ttlMs. */
  has(username: string, password: string, stored: string): boolean {
    const e = this.entries.get(username);
    if (!e) return false;
    if (e.until <= this.opts.now() || e.stored !== stored) {
      this.entries.delete(username);
      return false;
    }
    return timingSafeEqual(e.digest, this.digest(username, password));
  }

  remember(username: string, password: string, stored: string): void {
    if (this.opts.ttlMs <= 0) return;
    this.entries.delete(username);
    this.entries.set(username, { digest: this.digest(username, password), stored, until: this.opts.now() + this.opts.ttlMs });
    if (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  private digest(username: string, password: string): Buffer {
    return createHmac('sha256', this.key).update(username).update('\0').update(password).digest();
  }
}
