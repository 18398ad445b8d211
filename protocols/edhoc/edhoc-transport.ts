/**
 * Payload framing around EDHOC messages for CoAP, as pure byte helpers (the CoAP binding owns the
 * transport): the connection-identifier prefix of application/cid-edhoc+cbor-seq (RFC 9528
 * Appendix A.2: `true` before message_1, C_R before message_3), and the EDHOC + OSCORE combined
 * request of RFC 9668 §3 (EDHOC Option 21; message_3 in front of the OSCORE ciphertext).
 */
import { readItem } from './edhoc-cbor.js';
import { EdhocError } from './edhoc-errors.js';
import { MAX_CONNECTION_ID_BYTES, decodeIdentifier, encodeIdentifier } from './edhoc-identifiers.js';

/** CoAP option number of the EDHOC Option (RFC 9668 §3.1): critical, safe-to-forward, empty. */
export const EDHOC_OPTION_NUMBER = 21;
/** CBOR `true`: the prefix marking message_1 of a new session (RFC 9528 Appendix A.2.1). */
const CBOR_TRUE = 0xf5;

/** Prepends C_x (or `true` for message_1) to an EDHOC message. */
export function encodeCidPayload(cid: Uint8Array | true, message: Uint8Array): Uint8Array {
  return Buffer.concat([cid === true ? Uint8Array.of(CBOR_TRUE) : encodeIdentifier(cid), message]);
}

/** Splits application/cid-edhoc+cbor-seq into the prefix (a connection identifier or `true`) and the message. */
export function parseCidPayload(payload: Uint8Array): { cid: Uint8Array | true; message: Uint8Array } {
  if (payload[0] === CBOR_TRUE) return { cid: true, message: payload.subarray(1) };
  const item = readItem(payload, 0);
  return { cid: decodeIdentifier(payload, item, 'connection identifier', MAX_CONNECTION_ID_BYTES), message: payload.subarray(item.end) };
}

/** COMB_PAYLOAD = EDHOC_MSG_3 | OSCORE_PAYLOAD (RFC 9668 §3.2.1 step 3). */
export function encodeCombinedPayload(message3: Uint8Array, oscorePayload: Uint8Array): Uint8Array {
  // message_3 is one CBOR bstr (RFC 9528 §5.4.1), taken as it was composed.
  if (readItem(message3, 0).end !== message3.length) throw new EdhocError('malformed', 'message_3 is not one CBOR item');
  return Buffer.concat([message3, oscorePayload]);
}

/**
 * Splits COMB_PAYLOAD (RFC 9668 §3.3.1 steps 2 and 6): the first CBOR item is EDHOC message_3,
 * the rest is the OSCORE ciphertext. C_R is the 'kid' of the OSCORE option (step 3), not here.
 */
export function splitCombinedPayload(payload: Uint8Array): { message3: Uint8Array; oscorePayload: Uint8Array } {
  const item = readItem(payload, 0);
  if (item.type !== 'bstr') throw new EdhocError('malformed', 'Combined payload does not start with a bstr');
  const oscorePayload = payload.subarray(item.end);
  if (oscorePayload.length === 0) throw new EdhocError('malformed', 'Combined payload has no OSCORE ciphertext');
  return { message3: payload.subarray(0, item.end), oscorePayload };
}
