/**
 * Sleepy delivery (docs/protocols/coap.md "Sleepy delivery"): every uplink opens the awake
 * window and refreshes the registration's lifetime, and the next queued item rides in the answer
 * to that uplink, with the number of items still waiting behind it. A device that serves
 * POST /q/<ep> (it registered a `roost.q` link) may also get items pushed while it is awake.
 */
import type { DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { encodeCbor } from '../../protocols/cbor.js';
import type { CoapResponse, Remote } from './coap-endpoint.js';
import { POST } from './coap-message.js';
import { need, type CoapState } from './coap-state.js';
import { requestSecured } from './oscore-layer.js';
import { refreshLifetime, saveRegistration } from './registration-store.js';
import type { Registration } from './resource-directory.js';
import { CBOR_CONTENT_FORMAT } from './telemetry.js';

/** The downlink body a device gets (docs/protocols/coap.md "Sleepy delivery"); `m` only when more wait. */
export function downlinkBody(item: QueuedItem, more = 0): Record<string, unknown> {
  const body: Record<string, unknown> = { i: item.id, k: item.kind === 'write' ? 'w' : 'a', n: item.name };
  if (item.input !== undefined) body['v'] = item.input;
  if (more > 0) body['m'] = more;
  return body;
}

/**
 * The device is awake: its lifetime is refreshed and its address noted; an always-on one is
 * marked online; a sleepy one opens its awake window and the next queued item becomes the body
 * of `res`, the answer to the uplink. Returns `res`.
 */
export function wake(s: CoapState, reg: Registration, from: Remote, res: CoapResponse): CoapResponse {
  const ctx = need(s);
  if (reg.remote.address !== from.address || reg.remote.port !== from.port) {
    reg.remote = from;
    saveRegistration(ctx.store, reg);
  }
  refreshLifetime(ctx.store, reg, ctx.now());
  if (!reg.sleepy) {
    ctx.setOnline(reg.thingId, true);
    return res;
  }
  const { item, more } = ctx.take(reg.thingId, s.opts.awakeWindowMs);
  if (item) {
    s.counters.piggybacked++;
    res.contentFormat = CBOR_CONTENT_FORMAT;
    res.payload = encodeCbor(downlinkBody(item, more));
  }
  return res;
}

/** The answer leaves once everything the request changed is committed: an acknowledgement means "stored". */
export function afterCommit(s: CoapState, res: CoapResponse): Promise<CoapResponse> {
  return need(s).committed().then(() => res);
}

/** An item queued during the awake window of a device that serves /q/<ep>: a request to it. */
export async function pushToAwake(s: CoapState, reg: Registration, item: QueuedItem): Promise<DeliveryOutcome> {
  const ep = s.endpoint;
  if (!ep) return { state: 'retry', reason: 'binding stopped' };
  s.counters.downlinkRequests++;
  try {
    const res = await requestSecured(s, reg, { code: POST, uriPath: ['q', reg.ep], contentFormat: CBOR_CONTENT_FORMAT, payload: encodeCbor(downlinkBody(item)) });
    if (res.code.startsWith('2.')) return { state: 'delivered' };
    return { state: 'retry', reason: `device answered ${res.code}` };
  } catch (err) {
    s.counters.downlinkFailures++;
    return { state: 'retry', reason: (err as Error).message };
  }
}
