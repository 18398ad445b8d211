/**
 * OSCORE Security Context input from a completed EDHOC session (RFC 9528 Appendix A.1, §3.3.3):
 * Master Secret and Master Salt through EDHOC_Exporter (labels 0 and 1, context h''), Sender and
 * Recipient IDs from the connection identifiers, algorithms from the selected cipher suite.
 */
import { EXPORTER_LABEL, edhocExporter } from './edhoc-kdf.js';
import type { CipherSuite } from './edhoc-suites.js';

export interface OscoreContextInput {
  readonly masterSecret: Uint8Array;
  readonly masterSalt: Uint8Array;
  readonly senderId: Uint8Array;
  readonly recipientId: Uint8Array;
  /** COSE algorithm id of the application AEAD (10 = AES-CCM-16-64-128). */
  readonly aeadAlg: number;
  /** COSE algorithm id of the application hash, giving HKDF SHA-256 for -16. */
  readonly hashAlg: number;
}

export interface OscoreDerivationOptions {
  /** Default: the application AEAD's key length (16). */
  readonly keyLength?: number;
  /** Default 8 (RFC 9528 Appendix A.1). */
  readonly saltLength?: number;
}

const EMPTY = new Uint8Array(0);

export function deriveOscoreContext(
  prkExporter: Uint8Array,
  suite: CipherSuite,
  role: 'initiator' | 'responder',
  cI: Uint8Array,
  cR: Uint8Array,
  opts: OscoreDerivationOptions = {},
): OscoreContextInput {
  const masterSecret = edhocExporter(prkExporter, EXPORTER_LABEL.OSCORE_MASTER_SECRET, EMPTY, opts.keyLength ?? suite.appKeyLength);
  const masterSalt = edhocExporter(prkExporter, EXPORTER_LABEL.OSCORE_MASTER_SALT, EMPTY, opts.saltLength ?? 8);
  // RFC 9528 §A.1 Figure 14: the Initiator sends with C_R and receives with C_I; the Responder the reverse.
  const initiator = role === 'initiator';
  return {
    masterSecret,
    masterSalt,
    senderId: initiator ? cR : cI,
    recipientId: initiator ? cI : cR,
    aeadAlg: suite.appAeadAlg,
    hashAlg: suite.appHashAlg,
  };
}
