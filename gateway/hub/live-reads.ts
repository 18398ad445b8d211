/**
 * Live reads of always-on devices' properties through their binding's readProperty hook. One
 * device request per thing and property at a time: concurrent readers share it. Each reader
 * waits at most its own timeout (DeviceTimeoutError, 504); at most maxInFlight device requests
 * run at once (RateLimitedError beyond). A read that timed out is forgotten, so the next reader
 * asks the device again.
 */
import { BindingUnavailableError, DeviceTimeoutError, RateLimitedError, RoostError } from '../../protocols/errors.js';

export interface LiveReadOptions {
  /** Device requests running at once, over all things. */
  maxInFlight: number;
}

export interface LiveReadCounters {
  /** Device requests started. */
  reads: number;
  /** Readers that gave up at their timeout. */
  timeouts: number;
  /** Device requests that failed (an error from the binding). */
  failures: number;
}

export class LiveReads {
  readonly counters: LiveReadCounters = { reads: 0, timeouts: 0, failures: 0 };
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly opts: LiveReadOptions) {}

  get size(): number {
    return this.inFlight.size;
  }

  /** The device's answer for (thingId, name), from a request already running or a new one made by `ask`. */
  read(thingId: string, name: string, timeoutMs: number, ask: () => Promise<unknown>): Promise<unknown> {
    const key = `${thingId}\u0000${name}`;
    let running = this.inFlight.get(key);
    if (!running) {
      if (this.inFlight.size >= this.opts.maxInFlight) {
        return Promise.reject(new RateLimitedError(`${this.opts.maxInFlight} device reads are running; try again`, { retryAfterS: 1 }));
      }
      this.counters.reads++;
      running = (async () => ask())().catch((err: unknown) => {
        this.counters.failures++;
        // A binding's typed error (a device that answered 4.04) stays as it is; anything else
        // means the device or its transport could not be asked.
        throw err instanceof RoostError ? err : new BindingUnavailableError(`device read failed: ${(err as Error).message}`);
      }).finally(() => {
        if (this.inFlight.get(key) === running) this.inFlight.delete(key);
      });
      this.inFlight.set(key, running);
    }
    return this.bounded(key, running, timeoutMs);
  }

  private bounded(key: string, p: Promise<unknown>, timeoutMs: number): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.counters.timeouts++;
        if (this.inFlight.get(key) === p) this.inFlight.delete(key);
        reject(new DeviceTimeoutError(`the device did not answer the read within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}
