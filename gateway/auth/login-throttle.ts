/**
 * Slows password guessing without letting anyone lock a user out from elsewhere. Failures are
 * counted in two buckets: per (username, source address) and per source address. After
 * `freeFailures` wrong passwords for one user from one source, that pair waits 1 s, then 2 s,
 * 4 s... up to `maxDelayMs`; the same user from another address is not slowed. After
 * `freeFailuresPerSource` wrong passwords from one source across any usernames (a spray), that
 * source waits likewise. A success clears its (user, source) bucket; a bucket with no failure for
 * `forgetAfterMs` is forgotten. Both answer RATE_LIMITED without checking the password.
 *
 * At most `maxConcurrent` checks run at once (each scrypt check holds ~32 MB for ~100 ms); more
 * wait in a FIFO queue of at most `maxQueued` for at most `queueTimeoutMs` (then RATE_LIMITED), so
 * a burst of honest logins (every device reconnecting after a restart) is served, not refused.
 * Buckets tracked are bounded by `maxTracked`.
 */
import { RateLimitedError } from '../../protocols/errors.js';
import type { MetricSample } from '../metrics/metric-sample.js';

export interface LoginThrottleOptions {
  /** Failures of one username from one source before that pair is slowed. */
  freeFailures: number;
  /** Failures from one source, over all usernames, before that source is slowed. */
  freeFailuresPerSource: number;
  maxDelayMs: number;
  /** A bucket whose last failure is older than this is forgotten. */
  forgetAfterMs: number;
  /** Password checks running at once. */
  maxConcurrent: number;
  /** Checks waiting for a slot; beyond this a login is refused at once. */
  maxQueued: number;
  /** How long a check waits for a slot before it is refused. */
  queueTimeoutMs: number;
  /** Buckets remembered; the oldest is forgotten beyond this. */
  maxTracked: number;
  now: () => number;
}

export const DEFAULT_LOGIN_THROTTLE: Omit<LoginThrottleOptions, 'now'> = {
  freeFailures: 5, freeFailuresPerSource: 20, maxDelayMs: 300_000, forgetAfterMs: 900_000,
  maxConcurrent: 4, maxQueued: 2048, queueTimeoutMs: 30_000, maxTracked: 10_000,
};

interface Failures { count: number; blockedUntil: number; lastAt: number }

/** What the throttle did, for /metrics. */
export interface LoginThrottleCounters {
  refusedUserSource: number;
  refusedSource: number;
  refusedQueueFull: number;
  refusedQueueTimeout: number;
  queued: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly waiting: Array<() => void> = [];
  private inFlight = 0;
  readonly counters: LoginThrottleCounters = { refusedUserSource: 0, refusedSource: 0, refusedQueueFull: 0, refusedQueueTimeout: 0, queued: 0 };

  constructor(private readonly opts: LoginThrottleOptions) {}

  /** Runs one login check of `username` from `source` (an IP address) under the limits. */
  async run<T>(username: string, source: string, check: () => Promise<T>): Promise<T> {
    const pair = pairKey(username, source);
    this.refuseIfBlocked(pair, `too many failed logins for ${username} from ${source}`, 'refusedUserSource');
    this.refuseIfBlocked(sourceKey(source), `too many failed logins from ${source}`, 'refusedSource');
    await this.acquire();
    try {
      const result = await check();
      this.failures.delete(pair);
      return result;
    } catch (err) {
      this.fail(pair, this.opts.freeFailures);
      this.fail(sourceKey(source), this.opts.freeFailuresPerSource);
      throw err;
    } finally {
      this.release();
    }
  }

  get queueLength(): number {
    return this.waiting.length;
  }

  private refuseIfBlocked(key: string, what: string, counter: 'refusedUserSource' | 'refusedSource'): void {
    const f = this.failures.get(key);
    const now = this.opts.now();
    if (!f) return;
    if (now - f.lastAt > this.opts.forgetAfterMs) {
      this.failures.delete(key);
      return;
    }
    if (f.blockedUntil <= now) return;
    this.counters[counter]++;
    const retryAfterS = Math.ceil((f.blockedUntil - now) / 1000);
    throw new RateLimitedError(`${what}; retry in ${retryAfterS} s`, { retryAfterS });
  }

  private acquire(): Promise<void> {
    if (this.inFlight < this.opts.maxConcurrent) {
      this.inFlight++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.opts.maxQueued) {
      this.counters.refusedQueueFull++;
      return Promise.reject(new RateLimitedError(`too many logins waiting (${this.opts.maxQueued})`, { retryAfterS: 1 }));
    }
    this.counters.queued++;
    return new Promise<void>((resolve, reject) => {
      const go = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        this.counters.refusedQueueTimeout++;
        reject(new RateLimitedError(`no login slot within ${this.opts.queueTimeoutMs} ms`, { retryAfterS: 1 }));
      }, this.opts.queueTimeoutMs);
      this.waiting.push(go);
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }

  private fail(key: string, free: number): void {
    const now = this.opts.now();
    let f = this.failures.get(key);
    if (f && now - f.lastAt > this.opts.forgetAfterMs) f = undefined;
    f ??= { count: 0, blockedUntil: 0, lastAt: now };
    f.count++;
    f.lastAt = now;
    const over = f.count - free;
    if (over >= 0) f.blockedUntil = now + Math.min(1000 * 2 ** over, this.opts.maxDelayMs);
    this.failures.delete(key);
    this.failures.set(key, f);
    if (this.failures.size > this.opts.maxTracked) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }
}

// A NUL cannot occur in an address, so a (username, source) key is never another pair's.
const pairKey = (username: string, source: string): string => `u\0${username}\0${source}`;
const sourceKey = (source: string): string => `s\0${source}`;

/** The throttle's counters as /metrics samples. */
export function loginMetrics(c: Readonly<LoginThrottleCounters>): MetricSample[] {
  const refused = (reason: string, value: number): MetricSample =>
    ({ name: 'roost_login_refused_total', help: 'Logins (HTTP and MQTT) refused by the login throttle without a password check.', type: 'counter', value, labels: { reason } });
  return [
    refused('user-source-failures', c.refusedUserSource),
    refused('source-failures', c.refusedSource),
    refused('queue-full', c.refusedQueueFull),
    refused('queue-timeout', c.refusedQueueTimeout),
    { name: 'roost_login_queued_total', help: 'Password checks that waited for a slot (more than maxConcurrent at once).', type: 'counter', value: c.queued },
  ];
}
