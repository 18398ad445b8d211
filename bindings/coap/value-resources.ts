/**
 * The gateway's own observable value resources `/v/<ep>/<name>`: the last value of every
 * affordance a device reported, served as CBOR to GET and to observers (RFC 7641), bounded by
 * `maxValues` resources. Observers are bounded per source address, and each observer gets at
 * most `maxNotificationsPerSecondPerObserver` notifications (a token bucket with a one-second
 * burst); a value held back goes out when a token is back, a newer one replacing it meanwhile.
 */
import { encodeCbor } from '../../protocols/cbor.js';
import type { CoapEndpoint, CoapResponse, Remote } from './coap-endpoint.js';
import { encodeMessage, type CoapMessage } from './coap-message.js';
import { ObserverRegistry, type Observer } from './observers.js';
import type { Registration } from './resource-directory.js';
import { CBOR_CONTENT_FORMAT } from './telemetry.js';

export interface ValueResourcesOptions {
  maxObservers: number;
  maxObserversPerAddress: number;
  maxNotificationsPerSecondPerObserver: number;
  maxValues: number;
  now?: () => number;
}

/** What a notification needs of the endpoint. */
export type Notifier = Pick<CoapEndpoint, 'send' | 'nextMessageId'>;

export class ValueResources {
  private readonly values = new Map<string, unknown>();
  private readonly observers: ObserverRegistry;
  private readonly now: () => number;
  private readonly rate: number;
  notificationsOut = 0;
  /** Notifications held back by the per-observer rate (sent later, or replaced by a newer value). */
  notificationsDeferred = 0;
  /** Held-back values replaced by a newer one before they went out. */
  notificationsSkipped = 0;

  constructor(private readonly opts: ValueResourcesOptions) {
    this.now = opts.now ?? Date.now;
    this.rate = opts.maxNotificationsPerSecondPerObserver;
    this.observers = new ObserverRegistry(opts.maxObservers, opts.maxObserversPerAddress, this.rate, this.now);
  }

  get observerCount(): number {
    return this.observers.size;
  }

  get observersRejected(): number {
    return this.observers.rejected;
  }

  get observersRejectedPerAddress(): number {
    return this.observers.rejectedPerAddress;
  }

  /** GET /v/<ep>/<name>, with Observe=0 registering (RFC 7641 §3.1) and Observe=1 deregistering (§3.6). */
  serve(req: CoapMessage, ep: string, name: string, from: Remote): CoapResponse {
    const resource = `${ep}/${name}`;
    const res: CoapResponse = { code: '2.05', contentFormat: CBOR_CONTENT_FORMAT, payload: encodeCbor(this.values.get(resource) ?? null) };
    if (req.observe === 0 && this.observers.add(resource, from, req.token)) res.observe = this.observers.nextSeq();
    else if (req.observe === 1) this.observers.remove(resource, from, req.token);
    return res;
  }

  /** Keeps the value and notifies the resource's observers (RFC 7641 §4.2). */
  publish(endpoint: Notifier | null, ep: string, name: string, value: unknown): void {
    const resource = `${ep}/${name}`;
    const obs = this.observers.of(resource);
    if (obs.length === 0 && this.values.size >= this.opts.maxValues && !this.values.has(resource)) return;
    this.values.set(resource, value);
    if (obs.length === 0 || !endpoint) return;
    const payload = encodeCbor(value);
    const seq = this.observers.nextSeq();
    for (const o of obs) {
      // A held-back value goes first: sending this one now would let the older one overtake it.
      if (!o.pending && this.take(o)) this.notify(endpoint, o, payload, seq);
      else this.hold(endpoint, o, payload);
    }
  }

  private notify(endpoint: Notifier, o: Observer, payload: Buffer, seq: number): void {
    o.lastMid = endpoint.nextMessageId();
    this.notificationsOut++;
    // RFC 7641 §4.2: a notification is a 2.05 with the observer's token and an Observe sequence number.
    endpoint.send(encodeMessage({ type: 'NON', code: '2.05', mid: o.lastMid, token: o.token, observe: seq, contentFormat: CBOR_CONTENT_FORMAT, payload }), o.remote);
  }

  /** Token bucket: `rate` tokens a second, at most `rate` kept. */
  private take(o: Observer): boolean {
    const now = this.now();
    o.tokens = Math.min(this.rate, o.tokens + ((now - o.refilledAt) * this.rate) / 1000);
    o.refilledAt = now;
    if (o.tokens < 1) return false;
    o.tokens -= 1;
    return true;
  }

  /** RFC 7641 §4.5: an observer need not see every state, only end up with the current one. */
  private hold(endpoint: Notifier, o: Observer, payload: Buffer): void {
    if (o.pending) this.notificationsSkipped++;
    this.notificationsDeferred++;
    o.pending = payload;
    this.schedule(endpoint, o);
  }

  private schedule(endpoint: Notifier, o: Observer): void {
    if (o.timer) return;
    const waitMs = Math.max(1, Math.ceil(((1 - o.tokens) * 1000) / this.rate));
    o.timer = setTimeout(() => {
      o.timer = null;
      if (o.removed || !o.pending) return;
      if (!this.take(o)) {
        this.schedule(endpoint, o);
        return;
      }
      const payload = o.pending;
      o.pending = null;
      this.notify(endpoint, o, payload, this.observers.nextSeq());
    }, waitMs);
    o.timer.unref();
  }

  /** RFC 7641 §3.6: an RST to a notification removes that observer. */
  reset(from: Remote, mid: number): void {
    this.observers.removeByMid(from, mid);
  }

  /** The device left: its values and their observers go. */
  drop(reg: Registration): void {
    this.observers.dropPrefix(`${reg.ep}/`);
    for (const name of reg.affordances.keys()) this.values.delete(`${reg.ep}/${name}`);
  }

  clear(): void {
    this.observers.clear();
    this.values.clear();
  }
}
