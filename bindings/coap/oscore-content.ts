/**
 * Between the binding's CoAP message model (coap-message.ts: options lifted into named fields) and
 * the OSCORE codec's `CoapContent` (code, raw option list, payload). Both directions go through
 * the wire encoding, so the two models can never disagree on an option: each conversion is one
 * encode and one decode of a message that fits in a datagram.
 */
import { decodeCoapDatagram, encodeCoapDatagram, type CoapContent, type CoapType } from '../../protocols/oscore/index.js';
import type { CoapResponse } from './coap-endpoint.js';
import { encodeMessage, parseMessage, type CoapMessage, type MessageType, type OutMessage } from './coap-message.js';

const TYPE: Readonly<Record<MessageType, CoapType>> = { CON: 0, NON: 1, ACK: 2, RST: 3 };
const NO_TOKEN = Buffer.alloc(0);
// RFC 8613 §2 and RFC 7641 §2: the option numbers an outer message carries besides its payload.
const OSCORE_OPTION = 9;
const OBSERVE_OPTION = 6;

function content(m: OutMessage): CoapContent {
  const d = decodeCoapDatagram(encodeMessage(m));
  return { code: d.code, options: d.options, payload: d.payload };
}

/** A request (as parsed, or about to be sent) as OSCORE sees it. */
export function requestContent(m: Omit<OutMessage, 'type' | 'mid' | 'token'>): CoapContent {
  return content({ ...m, type: 'CON', mid: 0, token: NO_TOKEN });
}

/** An answer a handler built, as OSCORE sees it (before protection). */
export function responseContent(r: CoapResponse): CoapContent {
  return content({
    type: 'ACK', code: r.code, mid: 0, payload: r.payload, contentFormat: r.contentFormat, locationPath: r.locationPath,
    observe: r.observe, maxAge: r.maxAge, size1: r.size1, echo: r.echo, oscore: r.oscore,
  });
}

/** A received message (request or response) with the code, options and payload OSCORE gave back. */
export function withContent(outer: CoapMessage, c: CoapContent): CoapMessage {
  return parseMessage(encodeCoapDatagram({ type: TYPE[outer.type], mid: outer.mid, token: outer.token, ...c }));
}

/** The fields of a protected message that leave in the clear: code, Observe, the OSCORE option, ciphertext. */
export function outerFields(c: CoapContent): { code: string; oscore: Buffer; observe?: number; payload: Buffer } {
  const out: { code: string; oscore: Buffer; observe?: number; payload: Buffer } = { code: c.code, oscore: Buffer.alloc(0), payload: c.payload };
  for (const o of c.options) {
    if (o.number === OSCORE_OPTION) out.oscore = o.value;
    else if (o.number === OBSERVE_OPTION) out.observe = o.value.reduce((n, b) => n * 256 + b, 0);
  }
  return out;
}
