/**
 * Uplinks from devices: telemetry (POST /t/<ep>, SenML+CBOR, SenML+JSON or CBOR) and action
 * results (POST /a/<ep>/<item id>). Each one is also a wake: the answer may carry a queued item.
 * This is the ingest hot path: no per-reading work beyond a name lookup and the hub call.
 */
import { decodeCborJson } from '../../../protocols/cbor.js';
import type { CoapResponse, Remote } from '../coap-endpoint.js';
import type { CoapMessage } from '../coap-message.js';
import { countDecodeError, need, unknownEndpoint, type CoapState } from '../coap-state.js';
import type { Registration } from '../resource-directory.js';
import { afterCommit, wake } from '../sleepy-delivery.js';
import { groupReadings, type Reading } from '../../../protocols/senml/index.js';
import { decodeTelemetry } from '../telemetry.js';

/** POST /t/<ep>: readings to the hub; 2.04 (with a queued item for a sleepy device) once they are committed. */
export function telemetry(s: CoapState, req: CoapMessage, ep: string, from: Remote): Promise<CoapResponse> {
  const reg = s.regs.ep(ep);
  if (!reg) return unknownEndpoint(s, ep);
  let readings: Reading[];
  try {
    readings = decodeTelemetry(req.contentFormat, req.payload, need(s).now(), s.opts.maxSenmlRecords);
  } catch (err) {
    countDecodeError(s, err);
    throw err;
  }
  ingest(s, reg, readings);
  return afterCommit(s, wake(s, reg, from, { code: '2.04' }));
}

/** POST /a/<ep>/<item id> with `{s, o, e}` in CBOR: the final state of a delivered item; the answer carries the next one. */
export function result(s: CoapState, req: CoapMessage, ep: string, itemId: string, from: Remote): Promise<CoapResponse> {
  const reg = s.regs.ep(ep);
  if (!reg) return unknownEndpoint(s, ep);
  let body: unknown;
  try {
    body = req.payload.length ? decodeCborJson(req.payload) : {};
  } catch (err) {
    countDecodeError(s, err);
    throw err;
  }
  const r = (body ?? {}) as { s?: unknown; o?: unknown; e?: unknown };
  const ctx = need(s);
  if (r.s === 'failed') ctx.complete(itemId, { state: 'failed', error: typeof r.e === 'string' ? r.e : 'device reported failure' });
  else ctx.complete(itemId, r.o === undefined ? { state: 'completed' } : { state: 'completed', output: r.o });
  s.counters.results++;
  return afterCommit(s, wake(s, reg, from, { code: '2.04' }));
}

/** Readings to the hub: events one by one, property values grouped by timestamp (protocols/senml groupReadings). */
export function ingest(s: CoapState, reg: Registration, readings: readonly Reading[]): void {
  const ctx = need(s);
  s.counters.uplinks++;
  const g = groupReadings(readings, reg.affordances, (af) => (af.kind === 'event' ? 'event' : af.kind === 'action' ? undefined : 'property'));
  s.counters.readingsUnknownName += g.unknown;
  s.counters.readings += g.accepted.length;
  for (const r of g.reports) {
    if (r.kind === 'event') ctx.emitEvent(reg.thingId, r.name, r.value, r.ts);
    else ctx.reportProperties(reg.thingId, r.values, r.ts);
  }
  for (const a of g.accepted) s.values.publish(s.endpoint, reg.ep, a.name, a.value);
}
