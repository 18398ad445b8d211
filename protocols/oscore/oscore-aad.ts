/**
 * Additional authenticated data (RFC 8613 §5.4): the request's 'kid' and Partial IV bind every
 * response to its request (§7.1).
 *
 *   aad_array    = [ 1, [ alg_aead ], request_kid : bstr, request_piv : bstr, options : bstr ]
 *   external_aad = bstr .cbor aad_array
 *   AAD          = [ "Encrypt0", h'', external_aad ]      (COSE Enc_structure, RFC 8152 §5.3)
 */
import { encodeCbor } from '../cbor.js';

/** RFC 8613 §5.4: implementations of RFC 8613 set oscore_version to 1. */
const OSCORE_VERSION = 1;
/** RFC 8613 §4.1.2: no class I options are defined, so `options` is always empty. */
const NO_CLASS_I_OPTIONS = Buffer.alloc(0);

export function encodeAadArray(alg: number, requestKid: Buffer, requestPiv: Buffer): Buffer {
  return encodeCbor([OSCORE_VERSION, [alg], requestKid, requestPiv, NO_CLASS_I_OPTIONS]);
}

/** The AEAD's associated data: the Enc_structure around the aad_array's bytes (as a bstr). */
export function encodeAad(aadArray: Buffer): Buffer {
  return encodeCbor(['Encrypt0', Buffer.alloc(0), aadArray]);
}

/** AAD for one exchange: request kid and Partial IV, for the request and all its responses. */
export function exchangeAad(alg: number, requestKid: Buffer, requestPiv: Buffer): Buffer {
  return encodeAad(encodeAadArray(alg, requestKid, requestPiv));
}
