/**
 * Positions in an event stream, as SSE `id:` values and longpoll cursors: `<ts>-<k>`, the
 * measurement time in epoch ms and the occurrence among the stream's messages with that same
 * time (0 for the first). History keeps rows ordered by time and then arrival, so a position
 * names one history row of the stream and a client can resume after it.
 */
import { BadRequestError } from '../../protocols/errors.js';

export interface EventCursor {
  ts: number;
  /** -1: before the first message at `ts` (only inside the gateway, never on the wire). */
  k: number;
}

/** Accepts what formatCursor writes; anything longer is not one of ours. */
export const CURSOR_PATTERN = '^\\d{1,15}-\\d{1,9}$';
const CURSOR_RE = new RegExp(CURSOR_PATTERN);

export function formatCursor(c: EventCursor): string {
  return `${c.ts}-${c.k}`;
}

/** Undefined for an absent value; BadRequestError for a malformed one. */
export function parseCursor(text: string | undefined): EventCursor | undefined {
  if (text === undefined || text === '') return undefined;
  if (!CURSOR_RE.test(text)) throw new BadRequestError('event cursor must look like <epoch-ms>-<n>');
  const [ts, k] = text.split('-');
  return { ts: Number(ts), k: Number(k) };
}

/** Numbers the messages of one stream in the order they are sent. */
export class CursorCounter {
  private last: EventCursor | undefined;

  constructor(start?: EventCursor) {
    this.last = start;
  }

  next(ts: number): EventCursor {
    const k = this.last !== undefined && this.last.ts === ts ? this.last.k + 1 : 0;
    this.last = { ts, k };
    return this.last;
  }

  get position(): EventCursor | undefined {
    return this.last;
  }
}
