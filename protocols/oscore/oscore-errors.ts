/**
 * The typed error of the OSCORE codec. Each failure has a stable `reason` and the CoAP answer
 * RFC 8613 prescribes for it (§7.4, §8.2); the binding sends that answer *unprotected*
 * (RFC 8613 §8.3: OSCORE errors are "simple CoAP responses, without OSCORE processing"),
 * may add an Outer Max-Age of 0, and answers nothing at all on the client side (§8.4 step 8).
 *
 * The shared table in protocols/errors.ts has no OSCORE rows yet, so each reason is filed under
 * the nearest existing row (`key`) and carries its own `coapCode`; `code` names the proposed row.
 */
import { RoostError, type ErrorKey } from '../errors.js';

export interface OscoreErrorSpec {
  /** Proposed stable code for the shared error table. */
  readonly code: string;
  /** The existing row whose HTTP and MQTT statuses apply until that row exists. */
  readonly key: ErrorKey;
  /** CoAP response code, "c.dd". */
  readonly coap: string;
  /** Diagnostic payload of the error response (RFC 7252 §5.5.2). */
  readonly diagnostic: string;
}

export const OSCORE_ERRORS = {
  // RFC 8613 §2, §6.1, §8.2 step 2: the option or the COSE object does not decode -> 4.02.
  malformed_option: { code: 'ROOST_ERR_OSCORE_MALFORMED', key: 'BAD_REQUEST', coap: '4.02', diagnostic: 'Failed to decode COSE' },
  // RFC 8613 §8.2 step 2: no Recipient Context for the 'kid' (and 'kid context') -> 4.01.
  unknown_kid: { code: 'ROOST_ERR_OSCORE_CONTEXT_NOT_FOUND', key: 'UNAUTHENTICATED', coap: '4.01', diagnostic: 'Security context not found' },
  // RFC 8613 §7.4: Partial IV received before, or older than the replay window -> 4.01.
  replay: { code: 'ROOST_ERR_OSCORE_REPLAY', key: 'UNAUTHENTICATED', coap: '4.01', diagnostic: 'Replay detected' },
  // RFC 8613 §8.2 step 6: the AEAD tag does not verify -> 4.00 (Bad Request), not 4.01.
  decrypt_failed: { code: 'ROOST_ERR_OSCORE_DECRYPT_FAILED', key: 'BAD_REQUEST', coap: '4.00', diagnostic: 'Decryption failed' },
  // The plaintext verified but is not a CoAP code + options + payload, holds an Inner OSCORE
  // option (RFC 8613 §4.1.3.7) or an Inner Observe the request did not ask for (§4.1.3.5.2).
  malformed_plaintext: { code: 'ROOST_ERR_OSCORE_MALFORMED_PLAINTEXT', key: 'BAD_REQUEST', coap: '4.00', diagnostic: 'Malformed protected message' },
  // RFC 8613 §7.2.1: the Sender Sequence Number would pass 2^40 - 1; a new context is needed.
  sequence_exhausted: { code: 'ROOST_ERR_OSCORE_SEQUENCE_EXHAUSTED', key: 'INTERNAL', coap: '5.03', diagnostic: 'Security context exhausted' },
  // Local misuse: a message that cannot be protected (nested OSCORE §4.1.3.7, Proxy-Uri §4.1.3.3, too long).
  unprotectable: { code: 'ROOST_ERR_OSCORE_UNPROTECTABLE', key: 'INTERNAL', coap: '5.00', diagnostic: 'Message cannot be protected' },
  // Local misuse: context parameters that break RFC 8613 §3.3 (ID too long, sender = recipient).
  invalid_context: { code: 'ROOST_ERR_OSCORE_INVALID_CONTEXT', key: 'CONFIG_INVALID', coap: '5.00', diagnostic: 'Invalid security context' },
} as const satisfies Record<string, OscoreErrorSpec>;

export type OscoreErrorReason = keyof typeof OSCORE_ERRORS;

export class OscoreError extends RoostError {
  readonly reason: OscoreErrorReason;
  /** The diagnostic payload to send with `coapCode`. */
  readonly diagnostic: string;
  // The RFC's code for this reason, which the borrowed row may not share (4.02, 5.03).
  override readonly coapCode: string;

  constructor(reason: OscoreErrorReason, message?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    const spec: OscoreErrorSpec = OSCORE_ERRORS[reason];
    super(spec.key, message ?? spec.diagnostic, { reason, ...details }, options);
    this.reason = reason;
    this.diagnostic = spec.diagnostic;
    this.coapCode = spec.coap;
  }
}
