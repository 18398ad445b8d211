/**
 * The EDHOC key schedule (RFC 9528 §4): EDHOC_Extract, EDHOC_Expand / EDHOC_KDF with the `info`
 * CBOR sequence, EDHOC_Exporter and EDHOC_KeyUpdate, for the SHA-256 suites.
 */
import { encodeCbor } from '../cbor.js';
import { bstr, cborSeq } from './edhoc-cbor.js';
import { hkdfExpand, hkdfExtract } from './edhoc-crypto.js';

/** info_label values, RFC 9528 §4.1.2 Figure 6 and Appendix H. */
export const KDF_LABEL = {
  KEYSTREAM_2: 0,
  SALT_3E2M: 1,
  MAC_2: 2,
  K_3: 3,
  IV_3: 4,
  SALT_4E3M: 5,
  MAC_3: 6,
  PRK_OUT: 7,
  K_4: 8,
  IV_4: 9,
  PRK_EXPORTER: 10,
  KEY_UPDATE: 11,
} as const;

/** EDHOC_Exporter labels for OSCORE, RFC 9528 Appendix A.1 and §10.1. */
export const EXPORTER_LABEL = { OSCORE_MASTER_SECRET: 0, OSCORE_MASTER_SALT: 1 } as const;

const EMPTY = new Uint8Array(0);

/** EDHOC_Extract = HKDF-Extract for SHA-2 suites (RFC 9528 §4.1.1). */
export const edhocExtract = hkdfExtract;

/** info = ( info_label : int, context : bstr, length : uint ), RFC 9528 §4.1.2. */
export function kdfInfo(label: number, context: Uint8Array, length: number): Uint8Array {
  return cborSeq(encodeCbor(label), bstr(context), encodeCbor(length));
}

/** EDHOC_KDF( PRK, info_label, context, length ) = HKDF-Expand( PRK, info, length ), RFC 9528 §4.1.2. */
export function edhocKdf(prk: Uint8Array, label: number, context: Uint8Array, length: number): Uint8Array {
  return hkdfExpand(prk, kdfInfo(label, context, length), length);
}

/** PRK_exporter = EDHOC_KDF( PRK_out, 10, h'', hash_length ), RFC 9528 §4.1.3. */
export function prkExporterOf(prkOut: Uint8Array, hashLength = 32): Uint8Array {
  return edhocKdf(prkOut, KDF_LABEL.PRK_EXPORTER, EMPTY, hashLength);
}

/** EDHOC_Exporter( label, context, length ), RFC 9528 §4.2.1. */
export function edhocExporter(prkExporter: Uint8Array, label: number, context: Uint8Array, length: number): Uint8Array {
  return edhocKdf(prkExporter, label, context, length);
}

/** EDHOC_KeyUpdate( context ), RFC 9528 Appendix H: a new PRK_out and the PRK_exporter that follows. */
export function edhocKeyUpdate(prkOut: Uint8Array, context: Uint8Array, hashLength = 32): { prkOut: Uint8Array; prkExporter: Uint8Array } {
  const next = edhocKdf(prkOut, KDF_LABEL.KEY_UPDATE, context, hashLength);
  return { prkOut: next, prkExporter: prkExporterOf(next, hashLength) };
}
