/**
 * GET /.well-known/core (RFC 6690): the resource directory, the telemetry resource and every
 * value resource of the registered devices, with query filtering on one attribute (§4.1).
 */
import { LINK_FORMAT_CONTENT_FORMAT, serializeLinkFormat, type WebLink } from '../../../protocols/link-format/link-format.js';
import type { CoapResponse } from '../coap-endpoint.js';
import type { CoapMessage } from '../coap-message.js';
import type { CoapState } from '../coap-state.js';
import { CBOR_CONTENT_FORMAT } from '../telemetry.js';

export function wellKnownCore(s: CoapState, req: CoapMessage): CoapResponse {
  const links: WebLink[] = [
    { href: '/rd', attrs: { rt: 'core.rd', ct: String(LINK_FORMAT_CONTENT_FORMAT) } },
    { href: '/t', attrs: { rt: 'roost.t', ct: '112 110 60' } },
  ];
  for (const r of s.regs.all()) {
    for (const af of r.affordances.values()) if (af.kind !== 'action') links.push({ href: `/v/${r.ep}/${af.name}`, attrs: { obs: true, ct: String(CBOR_CONTENT_FORMAT) } });
  }
  // RFC 6690 §4.1: query filtering on one attribute, `*` as a trailing wildcard.
  const q = req.uriQuery[0]?.split('=');
  const filtered = q && q.length === 2 ? links.filter((l) => matches(q[0] === 'href' ? l.href : l.attrs[q[0]!], q[1]!)) : links;
  return { code: '2.05', contentFormat: LINK_FORMAT_CONTENT_FORMAT, payload: Buffer.from(serializeLinkFormat(filtered)) };
}

function matches(value: string | true | undefined, pattern: string): boolean {
  if (typeof value !== 'string') return false;
  const words = value.split(' ');
  return pattern.endsWith('*') ? words.some((w) => w.startsWith(pattern.slice(0, -1))) : words.includes(pattern) || value === pattern;
}
