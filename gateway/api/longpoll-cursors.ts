/**
 * Where each longpoll client got to, for clients that send no cursor (node-wot's longpoll client
 * sends none): keyed by a digest of the caller's credentials and the path, kept for a short
 * time after the last poll, so the next poll resumes after the last event answered instead of
 * losing what happened between two polls. Bounded: the least recently used entry goes first.
 */
import { createHash } from 'node:crypto';
import type { EventCursor } from './event-cursor.js';

export interface LongpollCursorsOptions {
  /** How long after a poll its position is kept. */
  ttlMs: number;
  /** Positions kept at most. */
  maxEntries: number;
  now?: () => number;
}

export class LongpollCursors {
  private readonly opts: LongpollCursorsOptions;
  private readonly now: () => number;
  private readonly entries = new Map<string, { cursor: EventCursor; expires: number }>();

  constructor(opts: LongpollCursorsOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** The key of one client on one path; the credentials are only kept as a digest. */
  static key(credentials: string, path: string): string {
    return createHash('sha256').update(credentials).update('\u0000').update(path).digest('base64url');
  }

  get(key: string): EventCursor | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.cursor;
  }

  set(key: string, cursor: EventCursor): void {
    this.entries.delete(key);
    this.entries.set(key, { cursor, expires: this.now() + this.opts.ttlMs });
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
