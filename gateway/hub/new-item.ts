/**
 * A queue item as it is first stored: `queued`, no attempts, its time to live capped by the
 * queue's maxTtlMs (pure; the queue gives it its sequence number when it inserts it).
 */
import { randomUUID } from 'node:crypto';
import type { QueuedKind } from '../binding.js';
import type { RoostConfig } from '../config/config.js';
import type { StoredAction } from '../store/queue-store.js';

export interface EnqueueRequest {
  thingId: string;
  kind: QueuedKind;
  name: string;
  input: unknown;
  ttlMs?: number;
  requestedBy?: string;
}

export function newItem(req: EnqueueRequest, now: number, o: Pick<RoostConfig['queue'], 'defaultTtlMs' | 'maxTtlMs'>): StoredAction {
  return {
    id: randomUUID(),
    seq: 0,
    thingId: req.thingId,
    kind: req.kind,
    name: req.name,
    input: req.input,
    state: 'queued',
    attempts: 0,
    createdAt: now,
    updatedAt: now,
    expiresAt: now + Math.min(req.ttlMs ?? o.defaultTtlMs, o.maxTtlMs),
    transitions: [{ state: 'queued', at: now }],
    requestedBy: req.requestedBy ?? null,
  };
}
