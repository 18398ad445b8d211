/**
 * Callers waiting for a queue item to settle (HTTP and MQTT answer an invocation at once when
 * the device does so within their wait): each waits until the item is woken or its timeout
 * passes, then gets the view it was woken with, or the current one.
 */
import type { ActionView } from './types.js';

export class ActionWaiters {
  private readonly waiting = new Map<string, Set<(v: ActionView) => void>>();

  /** Waits up to timeoutMs for wake(id); at timeout answers current(). */
  wait(id: string, timeoutMs: number, current: () => ActionView): Promise<ActionView> {
    return new Promise((resolve) => {
      const set = this.waiting.get(id) ?? new Set();
      this.waiting.set(id, set);
      const done = (v: ActionView): void => {
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => {
        set.delete(done);
        if (set.size === 0) this.waiting.delete(id);
        resolve(current());
      }, timeoutMs);
      set.add(done);
    });
  }

  wake(id: string, v: ActionView): void {
    const set = this.waiting.get(id);
    if (!set) return;
    this.waiting.delete(id);
    for (const done of set) done(v);
  }

  /** Closing: everyone gets the current view of what they wait for. */
  wakeAll(current: (id: string) => ActionView): void {
    for (const id of [...this.waiting.keys()]) this.wake(id, current(id));
  }
}
