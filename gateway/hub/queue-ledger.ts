/**
 * The queue's items that are not final yet, per thing in queue order and by id, mirrored from
 * the `actions` table: the one place where an item's state changes, each change persisted (one
 * statement, or a caller's transaction) and reported before anything else sees it.
 */
import type { QueuedState } from '../binding.js';
import type { QueueStore, StoredAction } from '../store/queue-store.js';
import { isFinal, view } from './action-view.js';
import { ActionWaiters } from './action-waiters.js';
import type { ActionView } from './types.js';

export interface LedgerDeps {
  store: QueueStore;
  now(): number;
  /** Called after every persisted state change. */
  onChange(view: ActionView, previous: QueuedState | null): void;
}

const NONE: readonly StoredAction[] = [];

export class QueueLedger {
  /** Callers waiting for an item to settle. */
  readonly waiters = new ActionWaiters();
  private readonly lists = new Map<string, StoredAction[]>();
  private readonly byId = new Map<string, StoredAction>();

  constructor(private readonly deps: LedgerDeps) {}

  /** Items not final, across all things. */
  get size(): number {
    return this.byId.size;
  }

  things(): string[] {
    return [...this.lists.keys()];
  }

  find(id: string): StoredAction | undefined {
    return this.byId.get(id);
  }

  /** A thing's items not final, in queue order (a copy is the caller's to take when it mutates while iterating). */
  list(thingId: string): readonly StoredAction[] {
    return this.lists.get(thingId) ?? NONE;
  }

  track(a: StoredAction): void {
    let list = this.lists.get(a.thingId);
    if (!list) this.lists.set(a.thingId, (list = []));
    list.push(a);
    this.byId.set(a.id, a);
  }

  drop(a: StoredAction): void {
    this.byId.delete(a.id);
    const list = this.lists.get(a.thingId);
    if (!list) return;
    const i = list.indexOf(a);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.lists.delete(a.thingId);
  }

  /** Persists a state change and reports it; waiters wake on final states and on `delivered` unless `passing`. */
  transition(a: StoredAction, state: QueuedState, patch: { output?: unknown; error?: string } = {}, passing = false): void {
    const previous = a.state;
    const at = this.deps.now();
    a.state = state;
    a.updatedAt = at;
    a.transitions.push({ state, at });
    if ('output' in patch) a.output = patch.output;
    if (patch.error !== undefined) a.error = patch.error;
    this.deps.store.update(a);
    const v = view(a);
    this.deps.onChange(v, previous);
    if (isFinal(state) || (state === 'delivered' && !passing)) this.waiters.wake(a.id, v);
  }

  /** Items handed out and not final: sent, or delivered and awaiting their result. */
  unfinished(thingId: string): number {
    let n = 0;
    for (const a of this.list(thingId)) if (a.state === 'sent' || a.state === 'delivered') n++;
    return n;
  }

  /** A thing's items not yet final, by state. */
  byState(thingId: string): { queued: number; sent: number; delivered: number } {
    const out = { queued: 0, sent: 0, delivered: 0 };
    for (const a of this.list(thingId)) if (a.state === 'queued' || a.state === 'sent' || a.state === 'delivered') out[a.state]++;
    return out;
  }
}
