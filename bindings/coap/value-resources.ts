/**
 * The gateway's own observable value resources `/v/<ep>/<name>`: the last value of every
 * affordance a device reported, served as CBOR to GET and to observers (RFC 7641), bounded by
 * `maxRegistrations * 8` resources.
 */
import { encodeCbor } from '../../protocols/cbor.js';
import type { CoapEndpoint, CoapResponse, Remote } from './coap-endpoint.js';
import { encodeMessage, type CoapMessage } from './coap-message.js';
import { ObserverRegistry } from './observers.js';
import type { Registration } from './resource-directory.js';
import { CBOR_CONTENT_FORMAT } from './telemetry.js';

export class ValueResources {
  private readonly values = new Map<string, unknown>();
  private readonly observers: ObserverRegistry;
  notificationsOut = 0;

  constructor(
    maxObservers: number,
    private readonly maxValues: number,
  ) {
    this.observers = new ObserverRegistry(maxObservers);
  }

  get observerCount(): number {
    return this.observers.size;
  }

  get observersRejected(): number {
    return this.observers.rejected;
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
  publish(endpoint: CoapEndpoint | null, ep: string, name: string, value: unknown): void {
    const resource = `${ep}/${name}`;
    const obs = this.observers.of(resource);
    if (obs.length === 0 && this.values.size >= this.maxValues && !this.values.has(resource)) return;
    this.values.set(resource, value);
    if (obs.length === 0 || !endpoint) return;
    const payload = encodeCbor(value);
    const seq = this.observers.nextSeq();
    for (const o of obs) {
      o.lastMid = endpoint.nextMessageId();
      this.notificationsOut++;
      // RFC 7641 §4.2: a notification is a 2.05 with the observer's token and an Observe sequence number.
      endpoint.send(encodeMessage({ type: 'NON', code: '2.05', mid: o.lastMid, token: o.token, observe: seq, contentFormat: CBOR_CONTENT_FORMAT, payload }), o.remote);
    }
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
