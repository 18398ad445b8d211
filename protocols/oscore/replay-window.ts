/**
 * The server's Replay Window for one Recipient Context (RFC 8613 §7.4): the anti-replay sliding
 * window of RFC 6347 §4.1.2.6 over received Partial IVs, default size 32 (RFC 8613 §3.2.2).
 *
 * A Partial IV is fresh when it is above the highest one received, or inside the window and not
 * yet seen. Check before decrypting (§8.2 step 3), record only after the tag verified (step 6).
 *
 * After a restart the window is lost. `ReplayWindow.afterRestart()` is unsynchronized: it lets
 * every request through to decryption and `synchronized` is false, so that the server answers
 * with an Echo challenge instead of acting on the request; the Partial IV of the first request
 * that returns the Echo value becomes the window's lower limit (RFC 8613 Appendix B.1.2).
 */
import { MAX_SEQUENCE_NUMBER } from './oscore-nonce.js';

export const DEFAULT_REPLAY_WINDOW = 32;
/** Explicit ceiling on the configurable size (one bit per Partial IV). */
export const MAX_REPLAY_WINDOW = 4096;

export class ReplayWindow {
  private readonly seen: Uint8Array;
  /** Highest Partial IV recorded; -1 before the first. */
  private top = -1;
  /** Partial IVs below this are never fresh. */
  private floor = 0;
  private sync: boolean;

  constructor(readonly size = DEFAULT_REPLAY_WINDOW, synchronized = true) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_REPLAY_WINDOW) {
      throw new RangeError(`replay window size ${size} outside 1..${MAX_REPLAY_WINDOW}`);
    }
    this.seen = new Uint8Array(size);
    this.sync = synchronized;
  }

  /** A window whose earlier state is lost (RFC 8613 §7.5, Appendix B.1.2). */
  static afterRestart(size = DEFAULT_REPLAY_WINDOW): ReplayWindow {
    return new ReplayWindow(size, false);
  }

  /** False after a restart until `synchronize()`: requests then verify but must not be acted on. */
  get synchronized(): boolean {
    return this.sync;
  }

  /** Highest Partial IV recorded, or null. */
  get highest(): number | null {
    return this.top < 0 ? null : this.top;
  }

  /** RFC 8613 §8.2 step 3. An unsynchronized window answers true: the caller sees `synchronized`. */
  isFresh(seq: number): boolean {
    if (!this.sync) return true;
    if (!Number.isInteger(seq) || seq < this.floor || seq > MAX_SEQUENCE_NUMBER) return false;
    if (seq > this.top) return true;
    // RFC 6347 §4.1.2.6: older than the window's left edge -> reject.
    if (seq <= this.top - this.size) return false;
    return this.seen[seq % this.size] === 0;
  }

  /** RFC 8613 §8.2 step 6: records a Partial IV whose message verified. No-op when unsynchronized. */
  record(seq: number): void {
    if (!this.sync || !this.isFresh(seq)) return;
    if (seq > this.top) {
      // Slide: the slots of the Partial IVs that now enter the window start unseen.
      const from = Math.max(this.top + 1, seq - this.size + 1);
      for (let s = from; s <= seq; s++) this.seen[s % this.size] = 0;
      this.top = seq;
    }
    this.seen[seq % this.size] = 1;
  }

  /** RFC 8613 Appendix B.1.2: a verified-fresh (Echo) request's Partial IV becomes the lower limit. */
  synchronize(seq: number): void {
    this.seen.fill(0);
    this.floor = seq;
    this.top = -1;
    this.sync = true;
    this.record(seq);
  }
}
