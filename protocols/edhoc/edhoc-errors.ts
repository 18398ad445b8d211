/**
 * EDHOC failures as one typed class with a stable reason. Each reason maps to the EDHOC error
 * message (RFC 9528 §6) the failing endpoint sends back, and to a row of Roost's shared error
 * table (protocols/errors.ts) for the wire status the transport uses around it (RFC 9528
 * Appendix A.2.3: 4.00 for a client error, 5.00 for a server error).
 */
import { RoostError, type ErrorKey } from '../errors.js';
import { encodeCbor } from '../cbor.js';

/** ERR_CODE values, RFC 9528 §6 Figure 8. */
export const ERR_CODE = { SUCCESS: 0, UNSPECIFIED: 1, WRONG_SELECTED_SUITE: 2, UNKNOWN_CREDENTIAL: 3 } as const;

interface ReasonSpec {
  /** ERR_CODE of the error message sent back; null: send none (RFC 9528 §6: never answer an error). */
  readonly errCode: number | null;
  readonly key: ErrorKey;
  /** English diagnostic for ERR_CODE 1 (RFC 9528 §6.2); generic on purpose (§9.5: reveal nothing). */
  readonly diag: string;
}

export const EDHOC_REASONS = {
  truncated: { errCode: 1, key: 'BAD_REQUEST', diag: 'Message truncated' },
  malformed: { errCode: 1, key: 'BAD_REQUEST', diag: 'Message not well-formed' },
  too_large: { errCode: 1, key: 'PAYLOAD_TOO_LARGE', diag: 'Message too large' },
  unexpected_message: { errCode: 1, key: 'BAD_REQUEST', diag: 'Unexpected message' },
  unsupported_method: { errCode: 1, key: 'BAD_REQUEST', diag: 'Method not supported' },
  unsupported_suite: { errCode: 2, key: 'BAD_REQUEST', diag: 'Wrong selected cipher suite' },
  invalid_public_key: { errCode: 1, key: 'BAD_REQUEST', diag: 'Invalid ephemeral key' },
  mac_mismatch: { errCode: 1, key: 'BAD_REQUEST', diag: 'Authentication failed' },
  decrypt_failed: { errCode: 1, key: 'BAD_REQUEST', diag: 'Decryption failed' },
  unknown_credential: { errCode: 3, key: 'BAD_REQUEST', diag: 'Unknown credential' },
  unsupported_credential: { errCode: 1, key: 'BAD_REQUEST', diag: 'Credential not supported' },
  critical_ead: { errCode: 1, key: 'BAD_REQUEST', diag: 'Unsupported critical EAD' },
  connection_id_collision: { errCode: 1, key: 'BAD_REQUEST', diag: 'Connection identifier in use' },
  unknown_session: { errCode: 1, key: 'BAD_REQUEST', diag: 'Unknown session' },
  peer_error: { errCode: null, key: 'BAD_REQUEST', diag: 'Error message received' },
  internal: { errCode: 1, key: 'INTERNAL', diag: 'Internal error' },
} as const satisfies Record<string, ReasonSpec>;

export type EdhocReason = keyof typeof EDHOC_REASONS;

export interface EdhocErrorInit {
  /** SUITES_R for `unsupported_suite` (int when one suite, RFC 9528 §6.3). */
  suitesR?: number[];
  /** ERR_CODE and ERR_INFO of a received error message (`peer_error`). */
  peerErrCode?: number;
  peerErrInfo?: unknown;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class EdhocError extends RoostError {
  readonly reason: EdhocReason;
  /** ERR_CODE of the EDHOC error message this failure answers with, or null for none. */
  readonly errCode: number | null;
  readonly suitesR: number[] | undefined;
  readonly peerErrCode: number | undefined;
  readonly peerErrInfo: unknown;

  constructor(reason: EdhocReason, message?: string, init: EdhocErrorInit = {}) {
    const spec: ReasonSpec = EDHOC_REASONS[reason];
    super(spec.key, message ?? spec.diag, { reason, ...init.details }, init.cause === undefined ? undefined : { cause: init.cause });
    this.reason = reason;
    this.errCode = spec.errCode;
    this.suitesR = init.suitesR;
    this.peerErrCode = init.peerErrCode;
    this.peerErrInfo = init.peerErrInfo;
  }

  /** The EDHOC error message (RFC 9528 §6) to send back, or null where none may be sent. */
  toErrorMessage(): Uint8Array | null {
    const spec: ReasonSpec = EDHOC_REASONS[this.reason];
    switch (spec.errCode) {
      case null:
        return null;
      case ERR_CODE.WRONG_SELECTED_SUITE:
        return encodeErrorMessage(ERR_CODE.WRONG_SELECTED_SUITE, suitesValue(this.suitesR ?? []));
      case ERR_CODE.UNKNOWN_CREDENTIAL:
        return encodeErrorMessage(ERR_CODE.UNKNOWN_CREDENTIAL, true); // §6.4: ERR_INFO = true
      default:
        return encodeErrorMessage(ERR_CODE.UNSPECIFIED, spec.diag); // §6.2: tstr
    }
  }
}

/** `suites = [ 2* int ] / int` (RFC 9528 §5.2.1): one suite is encoded as an int. */
export function suitesValue(suites: readonly number[]): number | number[] {
  return suites.length === 1 ? (suites[0] as number) : [...suites];
}

/** error = ( ERR_CODE : int, ERR_INFO : any ), RFC 9528 §6. */
export function encodeErrorMessage(errCode: number, errInfo: unknown): Uint8Array {
  return Buffer.concat([encodeCbor(errCode), encodeCbor(errInfo)]);
}
