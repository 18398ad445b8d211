/**
 * A global limit on concurrent connections, and connects one at a time: controllers answer
 * `Command Disallowed` (HCI error 0x0C) to an LE Create Connection while another is pending.
 */
export class ConnectionLimiter {
  private held = 0;
  private readonly waiting: Array<() => void> = [];
  private connectChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly maxConnections: number) {}

  get inUse(): number {
    return this.held;
  }

  /** Takes a slot now if one is free (sleepy sessions: the device will advertise again). */
  tryAcquire(): (() => void) | null {
    if (this.held >= this.maxConnections) return null;
    this.held++;
    return this.releaser();
  }

  /** Waits for a slot (always-on devices). */
  acquire(): Promise<() => void> {
    const slot = this.tryAcquire();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => this.waiting.push(() => {
      this.held++;
      resolve(this.releaser());
    }));
  }

  /** Runs one connect at a time, in call order. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.connectChain.then(fn, fn);
    this.connectChain = run.catch(() => undefined);
    return run;
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.held--;
      this.waiting.shift()?.();
    };
  }
}
