/**
 * Queue item states and the API view of a stored item.
 */
import type { QueuedState } from '../binding.js';
import type { StoredAction } from '../store/queue-store.js';
import type { ActionView } from './types.js';

const FINAL: ReadonlySet<QueuedState> = new Set(['completed', 'failed', 'expired', 'superseded', 'cancelled']);

export function isFinal(state: QueuedState): boolean {
  return FINAL.has(state);
}

export function view(a: StoredAction): ActionView {
  const { seq: _seq, requestedBy: _by, ...rest } = a;
  return { ...rest, transitions: [...a.transitions] };
}

