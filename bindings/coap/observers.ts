/**
 * Server-side observers of the gateway's value resources `/v/<ep>/<name>` (RFC 7641): register
 * with Observe=0 (§3.1), deregister with Observe=1 (§3.6, which node-coap ignored) or RST (§3.6).
 * Bounded in number, in total and per source address (a spoofable UDP source must not turn one
 * packet per reading into hundreds of notifications); notifications carry a 24-bit sequence
 * number (§4.4).
 */
import type { Remote } from './coap-endpoint.js';

export interface Observer {
  remote: Remote;
  token: Buffer;
  resource: string;
  lastMid: number;
  /** Notification token bucket (value-resources.ts): tokens left, as of `refilledAt` (ms). */
  tokens: number;
  refilledAt: number;
  /** A value held back by the rate limit, sent when a token is back; its timer. */
  pending: Buffer | null;
  timer: NodeJS.Timeout | null;
  removed: boolean;
}

export class ObserverRegistry {
  private readonly byResource = new Map<string, Observer[]>();
  private readonly perAddress = new Map<string, number>();
  private count = 0;
  private seq = 0;
  rejected = 0;
  rejectedPerAddress = 0;

  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number,
    /** Tokens a new observer starts with (its burst). */
    private readonly initialTokens: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Adds or refreshes an observer (same endpoint + token replaces, RFC 7641 §4.1). */
  add(resource: string, remote: Remote, token: Buffer): boolean {
    this.remove(resource, remote, token);
    if (this.count >= this.max) {
      this.rejected++;
      return false;
    }
    const held = this.perAddress.get(remote.address) ?? 0;
    if (held >= this.maxPerAddress) {
      this.rejectedPerAddress++;
      return false;
    }
    const list = this.byResource.get(resource) ?? [];
    list.push({ remote, token, resource, lastMid: -1, tokens: this.initialTokens, refilledAt: this.now(), pending: null, timer: null, removed: false });
    this.byResource.set(resource, list);
    this.perAddress.set(remote.address, held + 1);
    this.count++;
    return true;
  }

  remove(resource: string, remote: Remote, token: Buffer): void {
    const list = this.byResource.get(resource);
    if (!list) return;
    const i = list.findIndex((o) => o.remote.address === remote.address && o.remote.port === remote.port && o.token.equals(token));
    if (i < 0) return;
    this.retire(list.splice(i, 1));
    if (list.length === 0) this.byResource.delete(resource);
  }

  /** RFC 7641 §3.6: an RST to a notification removes that observer. */
  removeByMid(remote: Remote, mid: number): void {
    for (const list of this.byResource.values()) {
      const o = list.find((x) => x.lastMid === mid && x.remote.address === remote.address && x.remote.port === remote.port);
      if (o) {
        this.remove(o.resource, o.remote, o.token);
        return;
      }
    }
  }

  /** Observers of `resource` (for notifying), or none. */
  of(resource: string): readonly Observer[] {
    return this.byResource.get(resource) ?? [];
  }

  /** Drops every observer of resources under `prefix` (the device left). */
  dropPrefix(prefix: string): void {
    for (const [r, list] of this.byResource) {
      if (!r.startsWith(prefix)) continue;
      this.retire(list);
      this.byResource.delete(r);
    }
  }

  /** Observers held by one source address. */
  heldBy(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  private retire(gone: readonly Observer[]): void {
    for (const o of gone) {
      o.removed = true;
      if (o.timer) clearTimeout(o.timer);
      o.timer = null;
      o.pending = null;
      const held = (this.perAddress.get(o.remote.address) ?? 1) - 1;
      if (held > 0) this.perAddress.set(o.remote.address, held);
      else this.perAddress.delete(o.remote.address);
      this.count--;
    }
  }

  /** RFC 7641 §4.4: notification sequence numbers, 24 bits. */
  nextSeq(): number {
    this.seq = (this.seq + 1) & 0xffffff;
    return this.seq;
  }

  clear(): void {
    for (const list of this.byResource.values()) this.retire(list);
    this.byResource.clear();
    this.count = 0;
  }
}
