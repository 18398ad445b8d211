/**
 * Server-side observers of the gateway's value resources `/v/<ep>/<name>` (RFC 7641): register
 * with Observe=0 (§3.1), deregister with Observe=1 (§3.6, which node-coap ignored) or RST (§3.6).
 * Bounded in number; notifications carry a 24-bit sequence number (§4.4).
 */
import type { Remote } from './coap-endpoint.js';

export interface Observer {
  remote: Remote;
  token: Buffer;
  resource: string;
  lastMid: number;
}

export class ObserverRegistry {
  private readonly byResource = new Map<string, Observer[]>();
  private count = 0;
  private seq = 0;
  rejected = 0;

  constructor(private readonly max: number) {}

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
    const list = this.byResource.get(resource) ?? [];
    list.push({ remote, token, resource, lastMid: -1 });
    this.byResource.set(resource, list);
    this.count++;
    return true;
  }

  remove(resource: string, remote: Remote, token: Buffer): void {
    const list = this.byResource.get(resource);
    if (!list) return;
    const i = list.findIndex((o) => o.remote.address === remote.address && o.remote.port === remote.port && o.token.equals(token));
    if (i < 0) return;
    list.splice(i, 1);
    this.count--;
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
      this.count -= list.length;
      this.byResource.delete(r);
    }
  }

  /** RFC 7641 §4.4: notification sequence numbers, 24 bits. */
  nextSeq(): number {
    this.seq = (this.seq + 1) & 0xffffff;
    return this.seq;
  }

  clear(): void {
    this.byResource.clear();
    this.count = 0;
  }
}
