/** The action queue's test rig: a queue over a real SQLite store, a fake device target and a clock. */
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import type { DeliveryOutcome, QueuedItem } from '../../../gateway/binding.js';
import { resolveConfig } from '../../../gateway/config/config.js';
import { ActionQueue, type QueueTarget } from '../../../gateway/hub/action-queue.js';
import type { ActionView } from '../../../gateway/hub/types.js';
import { openDatabase, type Db } from '../../../gateway/store/database.js';
import { QueueStore } from '../../../gateway/store/queue-store.js';
import { tempDir } from '../../helpers/gateway.js';
export const T = 'urn:roost:test:dev1';

export interface Rig {
  queue: ActionQueue;
  db: Db;
  clock: { t: number };
  target: QueueTarget & { sent: QueuedItem[]; answer: (item: QueuedItem) => Promise<DeliveryOutcome> };
  changes: Array<{ id: string; state: string }>;
  dir: string;
}

export function rig(opts: { sleepy?: boolean; push?: boolean; queue?: Record<string, unknown>; dir?: string; maxInFlight?: number } = {}): Rig {
  const dir = opts.dir ?? tempDir();
  const db = openDatabase({ dataDir: dir, synchronous: 'normal' });
  const clock = { t: 1_000_000 };
  const config = resolveConfig({ queue: { deliveryTimeoutMs: 200, ...opts.queue } });
  const sent: QueuedItem[] = [];
  const target = {
    deviceId: 'dev1',
    sleepy: opts.sleepy ?? true,
    push: opts.push ?? true,
    maxInFlight: opts.maxInFlight ?? 1,
    sent,
    answer: (_item: QueuedItem): Promise<DeliveryOutcome> => Promise.resolve({ state: 'completed', output: 42 }),
    deliver(item: QueuedItem) {
      sent.push(item);
      return target.answer(item);
    },
  };
  const changes: Array<{ id: string; state: string }> = [];
  const queue = new ActionQueue({
    store: new QueueStore(db),
    options: config.queue,
    now: () => clock.t,
    logger: pino({ level: 'silent' }),
    target: (id) => (id === T ? target : undefined),
    onChange: (v: ActionView) => changes.push({ id: v.id, state: v.state }),
  });
  return { queue, db, clock, target, changes, dir };
}

export const tick = () => new Promise((r) => setImmediate(r));

/** Waits (bounded) until cond holds; timers here are real, so tests poll instead of sleeping a fixed time. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function close(r: Rig, keep = false): void {
  r.queue.close();
  r.db.close();
  if (!keep) rmSync(r.dir, { recursive: true, force: true });
}
