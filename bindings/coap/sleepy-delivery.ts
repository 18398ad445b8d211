/**
 * Sleepy delivery (docs/protocols/coap.md "Sleepy delivery"): every uplink opens the awake
 * window, and the first queued item rides in the answer to that uplink; an item queued while the
 * window is open, with no uplink to answer, goes as a request to the device.
 */
import type { DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { encodeCbor } from '../../protocols/cbor.js';
import type { CoapResponse, Remote } from './coap-endpoint.js';
import { POST } from './coap-message.js';
import { need, type CoapState } from './coap-state.js';
import type { Registration } from './resource-directory.js';
import { CBOR_CONTENT_FORMAT } from './telemetry.js';

/** The downlink body a device gets (docs/protocols/coap.md "Sleepy delivery"). */
export function downlinkBody(item: QueuedItem): Record<string, unknown> {
  const body: Record<string, unknown> = { i: item.id, k: item.kind === 'write' ? 'w' : 'a', n: item.name };
  if (item.input !== undefined) body['v'] = item.input;
  return body;
}

/**
 * The device is awake: an always-on one is marked online; a sleepy one opens its awake window, in
 * which the hub hands the first queued item to deliver() synchronously, and that item becomes the
 * body of `res`, the answer to the uplink. Returns `res`.
 */
export function wake(s: CoapState, reg: Registration, from: Remote, res: CoapResponse): CoapResponse {
  const ctx = need(s);
  reg.remote = from;
  reg.expiresAt = Math.max(reg.expiresAt, ctx.now());
  if (!reg.sleepy) {
    ctx.setOnline(reg.thingId, true);
    return res;
  }
  const slot: { thingId: string; item: QueuedItem | null } = { thingId: reg.thingId, item: null };
  s.uplink = slot;
  try {
    ctx.awake(reg.thingId, s.opts.awakeWindowMs);
  } finally {
    s.uplink = null;
  }
  if (slot.item) {
    s.counters.piggybacked++;
    res.contentFormat = CBOR_CONTENT_FORMAT;
    res.payload = encodeCbor(downlinkBody(slot.item));
  }
  return res;
}

/** deliver() during an uplink: the item is taken for the answer. False when no uplink of that thing is being answered. */
export function takeForUplink(s: CoapState, item: QueuedItem): boolean {
  if (!s.uplink || s.uplink.thingId !== item.thingId || s.uplink.item !== null) return false;
  s.uplink.item = item;
  return true;
}

/** An item queued during the awake window, with no uplink to answer: a request to the device. */
export async function pushToAwake(s: CoapState, reg: Registration, item: QueuedItem): Promise<DeliveryOutcome> {
  const ep = s.endpoint;
  if (!ep) return { state: 'retry', reason: 'binding stopped' };
  s.counters.downlinkRequests++;
  try {
    const res = await ep.request(reg.remote, { code: POST, uriPath: ['q', reg.ep], contentFormat: CBOR_CONTENT_FORMAT, payload: encodeCbor(downlinkBody(item)) });
    if (res.code.startsWith('2.')) return { state: 'delivered' };
    return { state: 'retry', reason: `device answered ${res.code}` };
  } catch (err) {
    s.counters.downlinkFailures++;
    return { state: 'retry', reason: (err as Error).message };
  }
}
