/**
 * QoS 1 is at-least-once: a client that did not get the PUBACK sends the PUBLISH again with the
 * DUP flag and the same packet identifier (MQTT 3.1.1 §4.3.2, §3.3.1.1). Queueing that resend
 * would run an action twice, so the broker remembers the packet ids of recent requests per
 * client and drops a DUP resend of one it has queued. A PUBLISH without DUP is always new, even
 * with a reused packet id (ids are free again once acknowledged). Bounded in count and age.
 */
export interface DuplicateGuardOptions {
  /** Packet ids remembered across all clients; the oldest is forgotten beyond this. */
  maxEntries: number;
  /** How long a resend counts as a duplicate. */
  windowMs: number;
  now: () => number;
}

export class DuplicateGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly opts: DuplicateGuardOptions) {}

  /** True when this PUBLISH is a resend of a request already taken; else records it. */
  isDuplicate(clientId: string, packetId: number | undefined, dup: boolean): boolean {
    if (packetId === undefined) return false; // QoS 0: no id, no resend
    const key = `${clientId}\u0000${packetId}`;
    const now = this.opts.now();
    const at = this.seen.get(key);
    if (dup && at !== undefined && now - at <= this.opts.windowMs) return true;
    this.seen.delete(key);
    this.seen.set(key, now);
    if (this.seen.size > this.opts.maxEntries) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return false;
  }
}
