/**
 * Requests from the gateway to always-on devices: actions and property writes as POST / PUT to
 * the device's resource, reads as GET, and Observe of its observable resources (RFC 7641 §3.1),
 * cancelled with Observe=1 (§3.6) when the device leaves or registers again.
 */
import type { DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { decodeCborJson, encodeCbor } from '../../protocols/cbor.js';
import { DeviceNotFoundError } from '../../protocols/errors.js';
import { GET, POST, PUT, type CoapMessage } from './coap-message.js';
import type { CoapState } from './coap-state.js';
import { requestSecured } from './oscore-layer.js';
import { NO_OBSERVATIONS, type Registration } from './resource-directory.js';
import { CBOR_CONTENT_FORMAT } from './telemetry.js';

/** Always-on device: the action or write as a request to its resource (POST / PUT). */
export async function requestDevice(s: CoapState, reg: Registration, item: QueuedItem): Promise<DeliveryOutcome> {
  const ep = s.endpoint;
  const af = reg.affordances.get(item.name);
  if (!ep) return { state: 'retry', reason: 'binding stopped' };
  if (!af) return { state: 'failed', error: `device has no ${item.name}`, code: 'ROOST_ERR_AFFORDANCE_NOT_FOUND' };
  s.counters.downlinkRequests++;
  try {
    const res = await requestSecured(s, reg, {
      code: item.kind === 'write' ? PUT : POST,
      uriPath: af.path.split('/'),
      contentFormat: CBOR_CONTENT_FORMAT,
      payload: item.input === undefined ? Buffer.alloc(0) : encodeCbor(item.input),
    });
    if (!res.code.startsWith('2.')) {
      s.counters.downlinkFailures++;
      return { state: 'failed', error: `device answered ${res.code} ${res.payload.toString('utf8').slice(0, 100)}`.trim() };
    }
    if (!res.payload.length) return { state: 'completed' };
    let output: unknown;
    try {
      output = decodeCborJson(res.payload);
    } catch (err) {
      // The device did run it (2.xx): sending it again would run it twice.
      s.counters.malformedCbor++;
      return { state: 'failed', error: `device answered ${res.code} with an output that is not JSON data: ${(err as Error).message}` };
    }
    return { state: 'completed', output };
  } catch (err) {
    s.counters.downlinkFailures++;
    return { state: 'retry', reason: (err as Error).message };
  }
}

/** Reads a property from the device itself (GET, CBOR). */
export async function readFromDevice(s: CoapState, thingId: string, name: string): Promise<unknown> {
  const reg = [...s.regs.all()].find((r) => r.thingId === thingId);
  const af = reg?.affordances.get(name);
  if (!reg || !af || !s.endpoint) throw new DeviceNotFoundError(`no registered device with ${name} for ${thingId}`);
  const res = await requestSecured(s, reg, { code: GET, uriPath: af.path.split('/'), accept: CBOR_CONTENT_FORMAT });
  if (!res.code.startsWith('2.')) throw new DeviceNotFoundError(`device answered ${res.code}`);
  return decodeCborJson(res.payload);
}

/** Observes every observable resource of the device; `onNotify` gets each notification. */
export function observeDevice(s: CoapState, reg: Registration, onNotify: (reg: Registration, name: string, n: CoapMessage) => void): void {
  const ep = s.endpoint;
  if (!ep) return;
  for (const af of reg.affordances.values()) {
    if (!af.observable || af.kind === 'action') continue;
    const token = Buffer.from([0x0b, ...Buffer.from(reg.id.padStart(3, '0').slice(-3)), reg.observations.length]);
    reg.observations = [...reg.observations, token];
    ep.request(reg.remote, { code: GET, uriPath: af.path.split('/'), observe: 0 }, (n) => {
      s.counters.notificationsIn++;
      onNotify(reg, af.name, n);
    }, token).catch(() => {
      s.counters.downlinkFailures++;
    });
  }
}

export function cancelObservations(s: CoapState, reg: Registration): void {
  const ep = s.endpoint;
  if (!ep) return;
  let i = 0;
  for (const af of reg.affordances.values()) {
    if (!af.observable || af.kind === 'action') continue;
    const token = reg.observations[i++];
    if (!token) continue;
    ep.forget(reg.remote, token);
    // RFC 7641 §3.6: deregister with a GET carrying Observe=1 and the same token.
    ep.request(reg.remote, { code: GET, uriPath: af.path.split('/'), observe: 1, type: 'NON' }, undefined, token).catch(() => undefined);
    ep.forget(reg.remote, token);
  }
  reg.observations = NO_OBSERVATIONS;
}
