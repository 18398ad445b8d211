/**
 * Block1 reassembly (RFC 7959 §2.5) keyed by the client endpoint and the request URI, not by the
 * token: RFC 7959 §2.4 lets a client use a new token for every block (libcoap does), which is
 * what broke node-coap's Block1 (it matches by token). Bounded in transfers, bytes and time.
 */

export type Block1Result =
  | { kind: 'continue' }
  | { kind: 'complete'; body: Buffer }
  | { kind: 'incomplete' } // RFC 7959 §2.9.2: 4.08
  | { kind: 'too-large' }; // RFC 7959 §2.9.3: 4.13

interface Transfer {
  chunks: Buffer[];
  bytes: number;
  nextNum: number;
  expiresAt: number;
}

export class Block1Assembler {
  private readonly transfers = new Map<string, Transfer>();

  constructor(
    private readonly opts: { maxBodyBytes: number; maxTransfers: number; transferTimeoutMs: number },
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.transfers.size;
  }

  add(key: string, num: number, more: boolean, szx: number, chunk: Buffer): Block1Result {
    const now = this.now();
    let t = this.transfers.get(key);
    if (t && t.expiresAt <= now) {
      this.transfers.delete(key);
      t = undefined;
    }
    if (num === 0) {
      // A new transfer from the same endpoint to the same URI replaces the old one.
      this.transfers.delete(key);
      this.evictOld(now);
      t = { chunks: [], bytes: 0, nextNum: 0, expiresAt: now + this.opts.transferTimeoutMs };
      this.transfers.set(key, t);
    }
    if (!t || t.nextNum !== num) {
      this.transfers.delete(key);
      return { kind: 'incomplete' };
    }
    // RFC 7959 §2.3: every block but the last carries exactly the block size.
    if (more && chunk.length !== 2 ** (szx + 4)) {
      this.transfers.delete(key);
      return { kind: 'incomplete' };
    }
    t.bytes += chunk.length;
    if (t.bytes > this.opts.maxBodyBytes) {
      this.transfers.delete(key);
      return { kind: 'too-large' };
    }
    t.chunks.push(chunk);
    t.nextNum++;
    t.expiresAt = now + this.opts.transferTimeoutMs;
    if (more) return { kind: 'continue' };
    this.transfers.delete(key);
    return { kind: 'complete', body: Buffer.concat(t.chunks) };
  }

  private evictOld(now: number): void {
    for (const [k, t] of this.transfers) {
      if (t.expiresAt > now && this.transfers.size < this.opts.maxTransfers) break;
      this.transfers.delete(k);
    }
  }

  clear(): void {
    this.transfers.clear();
  }
}
