/**
 * Signature_or_MAC_2 and Signature_or_MAC_3 (RFC 9528 §5.3.2, §5.4.2): MAC_n over context_n with
 * EDHOC_KDF, then either MAC_n itself (static DH) or a COSE_Sign1 signature with MAC_n as payload.
 */
import { timingSafeEqual } from 'node:crypto';
import { encodeCbor } from '../cbor.js';
import { bstr, cborSeq } from './edhoc-cbor.js';
import { SIGNATURES, type PublicKey } from './edhoc-crypto.js';
import { EdhocError } from './edhoc-errors.js';
import { KDF_LABEL, edhocKdf, kdfInfo } from './edhoc-kdf.js';
import type { TraceSink } from './edhoc-schedule.js';
import { macLength, type AuthKind, type CipherSuite } from './edhoc-suites.js';

export interface AuthContext {
  readonly n: 2 | 3;
  readonly suite: CipherSuite;
  readonly auth: AuthKind;
  /** PRK_3e2m for message_2, PRK_4e3m for message_3. */
  readonly prk: Uint8Array;
  /** C_R as encoded on the wire (context_2 only). */
  readonly cREncoded?: Uint8Array;
  /** ID_CRED_x as a header map. */
  readonly idCred: Uint8Array;
  readonly th: Uint8Array;
  /** CRED_x. */
  readonly cred: Uint8Array;
  /** EAD_x as encoded (possibly empty). */
  readonly ead: Uint8Array;
}

/** MAC_2 = EDHOC_KDF( PRK_3e2m, 2, context_2, mac_length_2 ); MAC_3 likewise with label 6. */
function computeMac(c: AuthContext, t: TraceSink): Uint8Array {
  const context = c.n === 2 ? cborSeq(c.cREncoded ?? new Uint8Array(0), c.idCred, bstr(c.th), c.cred, c.ead) : cborSeq(c.idCred, bstr(c.th), c.cred, c.ead);
  t(`context_${c.n}`, context);
  const label = c.n === 2 ? KDF_LABEL.MAC_2 : KDF_LABEL.MAC_3;
  const length = macLength(c.suite, c.auth);
  t(`info for MAC_${c.n}`, kdfInfo(label, context, length));
  const mac = edhocKdf(c.prk, label, context, length);
  t(`MAC_${c.n}`, mac);
  return mac;
}

/** [ "Signature1", << ID_CRED_x >>, << TH_n, CRED_x, ? EAD_n >>, MAC_n ] (RFC 9052 §4.4). */
function toBeSigned(c: AuthContext, mac: Uint8Array, t: TraceSink): Uint8Array {
  const m = Buffer.concat([
    Uint8Array.of(0x84),
    encodeCbor('Signature1'),
    bstr(c.idCred),
    bstr(cborSeq(bstr(c.th), c.cred, c.ead)),
    bstr(mac),
  ]);
  t(`Message to be signed ${c.n} (CBOR data item)`, m);
  return m;
}

export function signatureOrMac(c: AuthContext, privateKey: Uint8Array, t: TraceSink): Uint8Array {
  const mac = computeMac(c, t);
  const out = c.auth === 'static-dh' ? mac : SIGNATURES[c.suite.signature].sign(privateKey, toBeSigned(c, mac, t));
  t(`Signature_or_MAC_${c.n}`, out);
  return out;
}

/** Verifies a received Signature_or_MAC_n; failure is EdhocError 'mac_mismatch'. */
export function verifySignatureOrMac(c: AuthContext, received: Uint8Array, peerKey: PublicKey, t: TraceSink): void {
  const mac = computeMac(c, t);
  t(`Signature_or_MAC_${c.n}`, received);
  if (c.auth === 'static-dh') {
    // RFC 9529 §4.2.5: a MAC of the wrong length is invalid.
    if (received.length !== mac.length) throw new EdhocError('malformed', `MAC_${c.n} of ${received.length} bytes, expected ${mac.length}`);
    if (!timingSafeEqual(received, mac)) throw new EdhocError('mac_mismatch', `MAC_${c.n} does not verify`);
    return;
  }
  if (received.length !== 64) throw new EdhocError('malformed', `signature of ${received.length} bytes, expected 64`);
  if (!SIGNATURES[c.suite.signature].verify(peerKey, toBeSigned(c, mac, t), received)) {
    throw new EdhocError('mac_mismatch', `Signature_or_MAC_${c.n} does not verify`);
  }
}
