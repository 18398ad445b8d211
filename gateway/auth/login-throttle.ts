/**
 * Slows password guessing without locking anyone out for long: after `freeFailures` wrong
 * passwords in a row for one username, that username waits 1 s, then 2 s, 4 s... up to
 * `maxDelayMs` before the next attempt is even checked. A success clears the count. At most
 * `maxConcurrent` logins run at once (each scrypt check holds ~32 MB for ~100 ms), so a burst
 * of logins cannot exhaust memory. Both answer RATE_LIMITED. Usernames tracked are bounded.
 */
import { RateLimitedError } from '../../protocols/errors.js';

export interface LoginThrottleOptions {
  freeFailures: number;
  maxDelayMs: number;
  maxConcurrent: number;
  /** Usernames remembered; the oldest is forgotten beyond this. */
  maxTracked: number;
  now: () => number;
}

export const DEFAULT_LOGIN_THROTTLE: Omit<LoginThrottleOptions, 'now'> = { freeFailures: 5, maxDelayMs: 300_000, maxConcurrent: 4, maxTracked: 10_000 };

interface Failures { count: number; blockedUntil: number }

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private inFlight = 0;

  constructor(private readonly opts: LoginThrottleOptions) {}

  /** Runs one login check under the limits. */
  async run<T>(username: string, check: () => Promise<T>): Promise<T> {
    const f = this.failures.get(username);
    const now = this.opts.now();
    if (f && f.blockedUntil > now) {
      throw new RateLimitedError(`too many failed logins for ${username}; retry in ${Math.ceil((f.blockedUntil - now) / 1000)} s`, { retryAfterS: Math.ceil((f.blockedUntil - now) / 1000) });
    }
    if (this.inFlight >= this.opts.maxConcurrent) throw new RateLimitedError('too many logins at once', { retryAfterS: 1 });
    this.inFlight++;
    try {
      const result = await check();
      this.failures.delete(username);
      return result;
    } catch (err) {
      this.fail(username);
      throw err;
    } finally {
      this.inFlight--;
    }
  }

  private fail(username: string): void {
    const f = this.failures.get(username) ?? { count: 0, blockedUntil: 0 };
    f.count++;
    const over = f.count - this.opts.freeFailures;
    if (over >= 0) f.blockedUntil = this.opts.now() + Math.min(1000 * 2 ** over, this.opts.maxDelayMs);
    this.failures.delete(username);
    this.failures.set(username, f);
    if (this.failures.size > this.opts.maxTracked) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }
}
