/**
 * Sender Sequence Numbers that survive `kill -9` (RFC 8613 Appendix B.1.1, §7.5), as pure logic:
 * the caller owns the file and its fsync.
 *
 * The stored value S opens a block of K numbers (K = `persistInterval`): S .. S+K-1 may be sent
 * once S is durable. After a restart the sender continues at S + K + F (F = `restartMargin`),
 * above every number it can have sent. Unlike the RFC's "store when divisible by K", a new
 * value is persisted whenever a number falls outside the durable block, so the first number after
 * a restart is persisted too (with F not a multiple of K, the RFC's rule would skip that and a
 * second crash would reuse numbers).
 *
 *   const ticket = store.next();
 *   if (ticket.persist !== null) { await writeDurably(ticket.persist); store.persisted(ticket.persist); }
 *   send(protect(..., ticket.seq));
 *
 * Never send `ticket.seq` before a value >= `ticket.persist` is durable. Concurrent callers may
 * get the same `persist` value and share one write.
 */
import { OscoreError } from './oscore-errors.js';
import { MAX_SEQUENCE_NUMBER } from './oscore-nonce.js';

export interface SequenceStoreOptions {
  /** K: numbers per persisted value; fewer writes for more numbers skipped per restart. */
  persistInterval: number;
  /** F: extra numbers skipped on restart (RFC 8613 B.1.1); 0 suffices when writes are awaited. */
  restartMargin: number;
}

export const DEFAULT_SEQUENCE_OPTIONS: SequenceStoreOptions = { persistInterval: 64, restartMargin: 0 };

/** One Sender Sequence Number and the value that must be durable before it is used. */
export interface SequenceTicket {
  readonly seq: number;
  /** Write this (and wait) before sending; null when the durable value already covers `seq`. */
  readonly persist: number | null;
}

export class SequenceStore {
  private nextSeq: number;
  /** Last value the caller confirmed durable; null for a context never persisted. */
  private durable: number | null;
  /** Value handed out to persist and not yet confirmed. */
  private pending: number | null = null;
  private readonly k: number;

  private constructor(start: number, durable: number | null, readonly options: SequenceStoreOptions) {
    const { persistInterval, restartMargin } = options;
    if (!Number.isSafeInteger(persistInterval) || persistInterval < 1) throw new RangeError(`persistInterval ${persistInterval} must be a positive integer`);
    if (!Number.isSafeInteger(restartMargin) || restartMargin < 0) throw new RangeError(`restartMargin ${restartMargin} must be a non-negative integer`);
    this.k = persistInterval;
    this.nextSeq = start;
    this.durable = durable;
  }

  /** A new security context: starts at 0 (RFC 8613 §3.2.2); nothing is stored yet. */
  static fresh(options: Partial<SequenceStoreOptions> = {}): SequenceStore {
    return new SequenceStore(0, null, { ...DEFAULT_SEQUENCE_OPTIONS, ...options });
  }

  /** After a restart, from the last value that was durable: continues at stored + K + F. */
  static resume(stored: number, options: Partial<SequenceStoreOptions> = {}): SequenceStore {
    const o = { ...DEFAULT_SEQUENCE_OPTIONS, ...options };
    if (!Number.isSafeInteger(stored) || stored < 0) throw new RangeError(`stored sequence number ${stored} is not a non-negative integer`);
    return new SequenceStore(stored + o.persistInterval + o.restartMargin, stored, o);
  }

  /** The number the next call hands out. */
  get peek(): number {
    return this.nextSeq;
  }

  /** Takes the next Sender Sequence Number (RFC 8613 §8.1 step 3). Throws `sequence_exhausted` past 2^40 - 1. */
  next(): SequenceTicket {
    const seq = this.nextSeq;
    // RFC 8613 §7.2.1: past the maximum no more messages with this Sender Context.
    if (seq > MAX_SEQUENCE_NUMBER) throw new OscoreError('sequence_exhausted');
    this.nextSeq = seq + 1;
    if (this.durable !== null && seq >= this.durable && seq < this.durable + this.k) return { seq, persist: null };
    if (this.pending === null || seq >= this.pending + this.k) this.pending = seq;
    return { seq, persist: this.pending };
  }

  /** The caller's write of `value` is durable (fsync'd). Values may be confirmed out of order. */
  persisted(value: number): void {
    if (this.durable === null || value > this.durable) this.durable = value;
    if (this.pending !== null && value >= this.pending) this.pending = null;
  }
}
