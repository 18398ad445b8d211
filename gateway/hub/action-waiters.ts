/**
 * Callers waiting for a queue item to settle (HTTP and MQTT answer an invocation at once when
 * the device does so within their wait): each waits until the item is woken in a state it takes
 * as settled, or its timeout passes, then gets that view, or the current one.
 */
import type { ActionView } from './types.js';

type Waiter = (v: ActionView, force: boolean) => void;

export class ActionWaiters {
  private readonly waiting = new Map<string, Set<Waiter>>();

  /**
   * Waits up to timeoutMs for wake(id) with a view `settled` accepts (by default any); a view it
   * does not accept (e.g. `delivered` when the result is due soon) keeps it waiting. At timeout
   * answers current().
   */
  wait(id: string, timeoutMs: number, current: () => ActionView, settled: (v: ActionView) => boolean = () => true): Promise<ActionView> {
    return new Promise((resolve) => {
      const add = (): void => {
        let set = this.waiting.get(id);
        if (!set) this.waiting.set(id, (set = new Set()));
        set.add(done);
      };
      const done: Waiter = (v, force) => {
        if (!force && !settled(v)) return add();
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => {
        const set = this.waiting.get(id);
        set?.delete(done);
        if (set?.size === 0) this.waiting.delete(id);
        resolve(current());
      }, timeoutMs);
      add();
    });
  }

  wake(id: string, v: ActionView, force = false): void {
    const set = this.waiting.get(id);
    if (!set) return;
    this.waiting.delete(id);
    for (const done of set) done(v, force);
  }

  /** Closing: everyone gets the current view of what they wait for. */
  wakeAll(current: (id: string) => ActionView): void {
    for (const id of [...this.waiting.keys()]) this.wake(id, current(id), true);
  }
}
