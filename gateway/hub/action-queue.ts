/**
 * The action queue: the one mechanism that serves every sleepy device (ARCHITECTURE.md).
 * One ordered queue per thing, persisted on every change; states queued -> sent -> delivered ->
 * completed, or failed | expired | superseded | cancelled. Property writes coalesce, actions never.
 * Items go out only while the thing is awake (always, for non-sleepy things), in order, at most
 * maxInFlight unfinished (sent or delivered) at once, so a device executes them in queue order.
 * A delivered item whose result does not come within resultTimeoutMs goes out again (at least
 * once; the device drops an id it has done). After a restart, items that were `sent` are queued
 * again at their place and delivered ones keep waiting for their result.
 */
import type { Logger } from 'pino';
import type { DeliveryOutcome, QueuedItem, QueuedState } from '../binding.js';
import type { RoostConfig } from '../config/config.js';
import { ActionNotCancellableError, ActionNotFoundError, QueueFullError } from '../../protocols/errors.js';
import type { QueueStore, StoredAction } from '../store/queue-store.js';
import { isFinal, view } from './action-view.js';
import { KeyedTimers } from './keyed-timers.js';
import { newItem, type EnqueueRequest } from './new-item.js';
import { AwakeWindows } from './awake-windows.js';
import { QueueLedger } from './queue-ledger.js';
import type { ActionView } from './types.js';

export interface QueueTarget {
  deviceId: string;
  sleepy: boolean;
  /** A sleepy device the binding can push to while it is awake; else items leave only through take(). */
  push: boolean;
  maxInFlight: number;
  deliver(item: QueuedItem): Promise<DeliveryOutcome>;
}

export interface ActionQueueDeps {
  store: QueueStore;
  options: RoostConfig['queue'];
  now(): number;
  logger: Logger;
  /** The binding side of a thing, or undefined when the thing is unknown or its binding is down. */
  target(thingId: string): QueueTarget | undefined;
  /** Called after every persisted state change. */
  onChange(view: ActionView, previous: QueuedState | null): void;
}

export class ActionQueue {
  private readonly deps: ActionQueueDeps;
  private readonly awakeUntil: AwakeWindows;
  /** Always-on things waiting to be retried, by thing id. */
  private readonly retryTimers = new KeyedTimers();
  /** Delivered items waiting for their result, by item id. */
  private readonly resultTimers = new KeyedTimers();
  private readonly deliveryTimers = new Set<NodeJS.Timeout>();
  private readonly ledger: QueueLedger;
  private seq: number;
  private closed = false;

  constructor(deps: ActionQueueDeps) {
    this.deps = deps;
    this.ledger = new QueueLedger({ store: deps.store, now: deps.now, onChange: deps.onChange });
    this.awakeUntil = new AwakeWindows(() => this.deps.now());
    this.seq = deps.store.maxSeq();
    const active = deps.store.active();
    // After a restart nothing is in flight: sent items go back to queued, keeping their seq.
    deps.store.atomically(() => {
      for (const a of active) {
        if (a.state === 'sent') this.ledger.transition(a, 'queued', { error: 'requeued after gateway restart' });
      }
    });
    for (const a of active) {
      this.ledger.track(a);
      // A delivered item keeps waiting for its result for what is left of its time.
      if (a.state === 'delivered') this.awaitResult(a, a.updatedAt + deps.options.resultTimeoutMs - deps.now());
    }
  }

  /** Queues an action or property write. Throws QueueFullError when the overflow policy is `reject`. */
  enqueue(req: EnqueueRequest): ActionView {
    const o = this.deps.options;
    const list = this.ledger.list(req.thingId);
    const item = newItem(req, this.deps.now(), o);
    this.deps.store.atomically(() => {
      if (req.kind === 'write') {
        // Last writer wins: an older write of the same property that has never gone out is superseded.
        // One that went out before (queued again after a lost result) may have run: it stays, in order.
        for (const old of list.filter((a) => a.kind === 'write' && a.name === req.name && a.state === 'queued' && a.attempts === 0)) {
          this.ledger.transition(old, 'superseded', { error: `superseded by ${item.id}` });
          this.ledger.drop(old);
        }
      }
      if (list.length >= o.maxItemsPerThing) {
        const oldest = list.find((a) => a.state === 'queued');
        if (o.overflow === 'reject' || !oldest) {
          throw new QueueFullError(`queue of ${req.thingId} holds ${list.length} items (limit ${o.maxItemsPerThing})`, {
            thingId: req.thingId,
            limit: o.maxItemsPerThing,
          });
        }
        this.ledger.transition(oldest, 'cancelled', { error: 'ROOST_ERR_QUEUE_FULL: dropped by the drop-oldest overflow policy' });
        this.ledger.drop(oldest);
      }
      item.seq = ++this.seq;
      this.deps.store.insert(item);
    });
    this.ledger.track(item);
    this.deps.onChange(view(item), null);
    this.dispatch(req.thingId);
    return view(item);
  }

  get(id: string): ActionView {
    const a = this.findActive(id) ?? this.deps.store.get(id);
    if (!a) throw new ActionNotFoundError(`no action ${id}`);
    return view(a);
  }

  list(thingId: string, limit: number): ActionView[] {
    return this.deps.store.list(thingId, limit).map(view);
  }

  /** Items queued or sent, not yet final, across all things. */
  get activeCount(): number {
    return this.ledger.size;
  }

  /** A thing's items not yet final, by state. */
  activeByState(thingId: string): { queued: number; sent: number; delivered: number } {
    return this.ledger.byState(thingId);
  }

  /** Items still queued for a thing, in order, as a binding sees them. */
  pending(thingId: string): QueuedItem[] {
    const target = this.deps.target(thingId);
    return this.ledger.list(thingId)
      .filter((a) => a.state === 'queued')
      .map((a) => this.toItem(a, target?.deviceId ?? ''));
  }

  /** Cancels a queued item; an item already handed to the device cannot be cancelled. */
  cancel(id: string): ActionView {
    const a = this.findActive(id);
    if (!a) {
      const stored = this.deps.store.get(id);
      if (!stored) throw new ActionNotFoundError(`no action ${id}`);
      throw new ActionNotCancellableError(`action ${id} is ${stored.state}`, { state: stored.state });
    }
    if (a.state !== 'queued') throw new ActionNotCancellableError(`action ${id} is ${a.state}`, { state: a.state });
    this.ledger.transition(a, 'cancelled');
    this.ledger.drop(a);
    return view(a);
  }

  /** Cancels everything queued for a thing (the thing was removed). */
  cancelAll(thingId: string, reason: string): void {
    for (const a of [...this.ledger.list(thingId)]) {
      if (a.state !== 'queued') continue;
      this.ledger.transition(a, 'cancelled', { error: reason });
      this.ledger.drop(a);
    }
  }

  /**
   * Resolves once the item is final, or delivered to a thing that is no longer awake (its result
   * can only come at a later wake), or with its current view at timeout. While the thing is awake
   * (an always-on device, an agent, a sleepy one inside its window) its result is due soon, so
   * `delivered` keeps the caller waiting for it: HTTP then answers 200 with the result.
   */
  waitFor(id: string, timeoutMs: number): Promise<ActionView> {
    const settled = (v: ActionView): boolean => isFinal(v.state) || (v.state === 'delivered' && !this.isAwake(v.thingId));
    const current = this.get(id);
    if (settled(current) || timeoutMs <= 0) return Promise.resolve(current);
    return this.ledger.waiters.wait(id, timeoutMs, () => this.get(id), settled);
  }

  isAwake(thingId: string): boolean {
    const target = this.deps.target(thingId);
    if (!target) return false;
    return !target.sleepy || this.awakeUntil.isOpen(thingId);
  }

  /** Opens (or extends) the awake window and hands out what is pending, synchronously. */
  awake(thingId: string, windowMs: number): void {
    this.awakeUntil.open(thingId, windowMs);
    this.dispatch(thingId);
  }

  asleep(thingId: string): void {
    this.awakeUntil.close(thingId);
  }

  /**
   * Opens the awake window and hands the next item to the answer being built for the device's
   * uplink: it is `delivered` at once (the answer carries it). Nothing is handed out while an
   * earlier item is unfinished, so the device executes items in queue order.
   */
  take(thingId: string, windowMs: number): { item: QueuedItem | null; more: number } {
    this.awakeUntil.open(thingId, windowMs);
    const target = this.deps.target(thingId);
    const list = this.ledger.list(thingId);
    const now = this.deps.now();
    let item: QueuedItem | null = null;
    if (target && !this.closed && this.ledger.unfinished(thingId) < target.maxInFlight) {
      for (const a of [...list]) {
        if (a.state !== 'queued') continue;
        if (a.expiresAt <= now) {
          this.ledger.transition(a, 'expired', { error: 'time to live ran out before delivery' });
          this.ledger.drop(a);
          continue;
        }
        a.attempts++;
        this.deps.store.atomically(() => {
          this.ledger.transition(a, 'sent', {}, true);
          this.ledger.transition(a, 'delivered');
        });
        this.awaitResult(a, this.deps.options.resultTimeoutMs);
        item = this.toItem(a, target.deviceId);
        break;
      }
    }
    const more = this.ledger.list(thingId).filter((a) => a.state === 'queued').length;
    if (target?.push) this.dispatch(thingId);
    return { item, more };
  }

  /** Final result of an item whose delivery answered `delivered`. */
  complete(id: string, outcome: { state: 'completed'; output?: unknown } | { state: 'failed'; error: string }): void {
    const a = this.findActive(id) ?? this.deps.store.get(id);
    if (!a) throw new ActionNotFoundError(`no action ${id}`);
    if (a.state !== 'delivered' && a.state !== 'sent') return;
    const wasSent = a.state === 'sent';
    this.deps.store.atomically(() => {
      // A result that overtakes the delivery answer: the device evidently has the item.
      if (wasSent) this.ledger.transition(a, 'delivered', {}, true);
      if (outcome.state === 'completed') this.ledger.transition(a, 'completed', { output: outcome.output });
      else this.ledger.transition(a, 'failed', { error: outcome.error });
    });
    this.resultTimers.clear(a.id);
    this.ledger.drop(a);
    this.dispatch(a.thingId);
  }

  /** Expires queued items whose TTL ran out; returns how many. */
  expireDue(): number {
    const due = this.deps.store.due(this.deps.now());
    for (const stored of due) {
      const a = this.findActive(stored.id) ?? stored;
      if (a.state !== 'queued') continue;
      this.ledger.transition(a, 'expired', { error: 'time to live ran out before delivery' });
      this.ledger.drop(a);
    }
    return due.length;
  }

  /** Deletes finished items (not queued, sent or delivered) last changed before `before`. */
  purgeFinished(before: number): number {
    return this.deps.store.purgeFinished(before);
  }

  /** Re-dispatches every thing (a binding came back up). */
  dispatchAll(): void {
    for (const thingId of this.ledger.things()) this.dispatch(thingId);
  }

  close(): void {
    this.closed = true;
    this.retryTimers.clearAll();
    for (const t of this.deliveryTimers) clearTimeout(t);
    this.deliveryTimers.clear();
    this.resultTimers.clearAll();
    this.ledger.waiters.wakeAll((id) => this.get(id));
  }

  private findActive(id: string): StoredAction | undefined {
    return this.ledger.find(id);
  }

  private toItem(a: StoredAction, deviceId: string): QueuedItem {
    return { id: a.id, thingId: a.thingId, deviceId, kind: a.kind, name: a.name, input: a.input, attempt: a.attempts, expiresAt: a.expiresAt };
  }



  /** Hands pending items to the binding while the thing is awake, in order, up to maxInFlight unfinished. */
  dispatch(thingId: string): void {
    if (this.closed) return;
    const target = this.deps.target(thingId);
    if (!target || !this.isAwake(thingId) || (target.sleepy && !target.push)) return;
    const list = this.ledger.list(thingId);
    const now = this.deps.now();
    let unfinished = this.ledger.unfinished(thingId);
    for (const a of [...list]) {
      if (unfinished >= target.maxInFlight) return;
      if (a.state !== 'queued') continue;
      if (a.expiresAt <= now) {
        this.ledger.transition(a, 'expired', { error: 'time to live ran out before delivery' });
        this.ledger.drop(a);
        continue;
      }
      a.attempts++;
      this.ledger.transition(a, 'sent');
      unfinished++;
      this.send(a, target);
    }
  }

  /** Waits for a delivered item's result; none in time sends it again (or fails it after maxAttempts). */
  private awaitResult(a: StoredAction, ms: number): void {
    this.resultTimers.set(a.id, ms, () => {
      if (this.closed || a.state !== 'delivered' || this.ledger.find(a.id) !== a) return;
      const reason = `no result within ${this.deps.options.resultTimeoutMs} ms`;
      if (a.attempts >= this.deps.options.maxAttempts) {
        this.ledger.transition(a, 'failed', { error: `gave up after ${a.attempts} attempts: ${reason}` });
        this.ledger.drop(a);
      } else {
        this.ledger.transition(a, 'queued', { error: reason });
      }
      this.dispatch(a.thingId);
    });
  }

  private send(a: StoredAction, target: QueueTarget): void {
    const attempt = a.attempts;
    let settled = false;
    const settle = (outcome: DeliveryOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.deliveryTimers.delete(timer);
      this.onOutcome(a, attempt, outcome);
    };
    const timer = setTimeout(
      () => settle({ state: 'retry', reason: `no answer within ${this.deps.options.deliveryTimeoutMs} ms` }),
      this.deps.options.deliveryTimeoutMs,
    );
    this.deliveryTimers.add(timer);
    let p: Promise<DeliveryOutcome>;
    try {
      p = target.deliver(this.toItem(a, target.deviceId));
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(settle, (err: unknown) => settle({ state: 'retry', reason: err instanceof Error ? err.message : String(err) }));
  }

  private onOutcome(a: StoredAction, attempt: number, outcome: DeliveryOutcome): void {
    if (this.closed || a.state !== 'sent' || a.attempts !== attempt) return;
    const thingId = a.thingId;
    switch (outcome.state) {
      case 'completed':
        this.deps.store.atomically(() => {
          this.ledger.transition(a, 'delivered', {}, true);
          this.ledger.transition(a, 'completed', { output: outcome.output });
        });
        this.ledger.drop(a);
        break;
      case 'delivered':
        this.ledger.transition(a, 'delivered');
        this.awaitResult(a, this.deps.options.resultTimeoutMs);
        break;
      case 'failed':
        this.ledger.transition(a, 'failed', { error: outcome.code ? `${outcome.code}: ${outcome.error}` : outcome.error });
        this.ledger.drop(a);
        break;
      case 'retry':
        if (a.attempts >= this.deps.options.maxAttempts) {
          this.ledger.transition(a, 'failed', { error: `gave up after ${a.attempts} attempts: ${outcome.reason}` });
          this.ledger.drop(a);
          break;
        }
        this.ledger.transition(a, 'queued', { error: outcome.reason });
        this.deps.logger.debug({ thingId, id: a.id, reason: outcome.reason }, 'delivery will be retried');
        this.afterRetry(thingId);
        return;
    }
    this.dispatch(thingId);
  }

  /** A sleepy device that could not be reached is asleep again; an always-on one is retried after a pause. */
  private afterRetry(thingId: string): void {
    const target = this.deps.target(thingId);
    if (!target) return;
    if (target.sleepy) {
      this.awakeUntil.close(thingId);
      return;
    }
    if (this.retryTimers.has(thingId)) return;
    const backoffMs = Math.min(30000, 500 * 2 ** Math.min(6, (this.ledger.list(thingId)[0]?.attempts ?? 1) - 1));
    this.retryTimers.set(thingId, backoffMs, () => this.dispatch(thingId));
  }
}
