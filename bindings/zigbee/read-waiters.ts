/**
 * Live reads of Zigbee devices: herdsman's `get` sends a read request and its answer comes back as
 * a state report like any other, so a read waits here until the device reports that key, or times
 * out. One waiter per read; a report answers every read of that device and key.
 */
import { DeviceTimeoutError } from '../../protocols/errors.js';

interface Waiter {
  ieee: string;
  key: string;
  resolve(v: unknown): void;
}

export class ReadWaiters {
  private readonly waiters = new Set<Waiter>();

  /** Resolves with the next reported value of `key` from `ieee`; rejects with DeviceTimeoutError(`what`) after timeoutMs. */
  wait(ieee: string, key: string, timeoutMs: number, what: string): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const w: Waiter = {
        ieee, key, resolve: (v) => {
          clearTimeout(t);
          this.waiters.delete(w);
          resolve(v);
        },
      };
      const t = setTimeout(() => {
        this.waiters.delete(w);
        reject(new DeviceTimeoutError(what));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** A state report: the reads of its keys are answered. */
  reported(ieee: string, values: Readonly<Record<string, unknown>>): void {
    for (const w of this.waiters) if (w.ieee === ieee && w.key in values) w.resolve(values[w.key]);
  }

  /** The binding stops: every read ends with no value. */
  endAll(): void {
    for (const w of this.waiters) w.resolve(undefined);
  }

  get size(): number {
    return this.waiters.size;
  }
}
