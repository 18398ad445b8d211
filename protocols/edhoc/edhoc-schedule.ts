/**
 * The per-session derivations of RFC 9528 §4 and §5 that both roles compute alike: transcript
 * hashes, PRK_2e / PRK_3e2m / PRK_4e3m, KEYSTREAM_2, K_3/IV_3, K_4/IV_4, the COSE Enc_structure,
 * PRK_out and PRK_exporter. Each step reports what it computes to an optional trace sink under
 * the names RFC 9529 prints, so the traces can be checked value by value.
 */
import { encodeCbor } from '../cbor.js';
import { bstr, cborSeq } from './edhoc-cbor.js';
import { sha256 } from './edhoc-crypto.js';
import { KDF_LABEL, edhocExtract, edhocKdf, kdfInfo, prkExporterOf } from './edhoc-kdf.js';
import type { CipherSuite } from './edhoc-suites.js';

/** Receives intermediate values by their RFC 9529 names (secrets included: tests and debugging only). */
export type TraceSink = (name: string, value: Uint8Array) => void;
export const noTrace: TraceSink = () => {};

function kdf(t: TraceSink, name: string, prk: Uint8Array, label: number, context: Uint8Array, length: number): Uint8Array {
  t(`info for ${name}`, kdfInfo(label, context, length));
  const out = edhocKdf(prk, label, context, length);
  t(name, out);
  return out;
}

/** TH_2 = H( G_Y, H(message_1) ), §5.3.2. */
export function transcriptHash2(message1: Uint8Array, gY: Uint8Array, t: TraceSink): Uint8Array {
  const h1 = sha256(message1);
  t('H(message_1)', h1);
  const input = cborSeq(bstr(gY), bstr(h1));
  t('Input to calculate TH_2', input);
  const th2 = sha256(input);
  t('TH_2', th2);
  return th2;
}

/** TH_3 = H( TH_2, PLAINTEXT_2, CRED_R ) and TH_4 = H( TH_3, PLAINTEXT_3, CRED_I ), §5.3.2, §5.4.2. */
export function transcriptHashNext(n: 3 | 4, prevTh: Uint8Array, plaintext: Uint8Array, cred: Uint8Array, t: TraceSink): Uint8Array {
  const input = cborSeq(bstr(prevTh), plaintext, cred);
  t(`Input to calculate TH_${n}`, input);
  const th = sha256(input);
  t(`TH_${n}`, th);
  return th;
}

/** PRK_2e = EDHOC_Extract( TH_2, G_XY ), §4.1.1.1. */
export function derivePrk2e(th2: Uint8Array, gXY: Uint8Array, t: TraceSink): Uint8Array {
  t('G_XY', gXY);
  t('salt', th2);
  const prk = edhocExtract(th2, gXY);
  t('PRK_2e', prk);
  return prk;
}

const AUTH_PRK = {
  '3e2m': { salt: 'SALT_3e2m', label: KDF_LABEL.SALT_3E2M, ikm: 'G_RX' },
  '4e3m': { salt: 'SALT_4e3m', label: KDF_LABEL.SALT_4E3M, ikm: 'G_IY' },
} as const;

/**
 * PRK_3e2m = Extract( SALT_3e2m, G_RX ) when R authenticates with static DH, else PRK_2e (§4.1.1.2);
 * PRK_4e3m = Extract( SALT_4e3m, G_IY ) when I does, else PRK_3e2m (§4.1.1.3).
 */
export function deriveAuthPrk(which: '3e2m' | '4e3m', prev: Uint8Array, th: Uint8Array, staticShared: Uint8Array | null, t: TraceSink): Uint8Array {
  let prk = prev;
  if (staticShared) {
    const step = AUTH_PRK[which];
    const salt = kdf(t, step.salt, prev, step.label, th, 32);
    t(step.ikm, staticShared);
    prk = edhocExtract(salt, staticShared);
  }
  t(`PRK_${which}`, prk);
  return prk;
}

/** KEYSTREAM_2 = EDHOC_KDF( PRK_2e, 0, TH_2, plaintext_length ), §5.3.2. */
export function keystream2(prk2e: Uint8Array, th2: Uint8Array, length: number, t: TraceSink): Uint8Array {
  return kdf(t, 'KEYSTREAM_2', prk2e, KDF_LABEL.KEYSTREAM_2, th2, length);
}

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/** K_3/IV_3 from PRK_3e2m and TH_3, K_4/IV_4 from PRK_4e3m and TH_4 (§4.1.2 Figure 6). */
export function aeadKeys(n: 3 | 4, prk: Uint8Array, th: Uint8Array, suite: CipherSuite, t: TraceSink): { key: Uint8Array; iv: Uint8Array } {
  const key = kdf(t, `K_${n}`, prk, n === 3 ? KDF_LABEL.K_3 : KDF_LABEL.K_4, th, suite.keyLength);
  const iv = kdf(t, `IV_${n}`, prk, n === 3 ? KDF_LABEL.IV_3 : KDF_LABEL.IV_4, th, suite.ivLength);
  return { key, iv };
}

/** A_3 / A_4 = [ "Encrypt0", h'', TH_n ], the COSE Enc_structure (RFC 9528 Appendix C.3). */
export function encStructure(n: 3 | 4, th: Uint8Array, t: TraceSink): Uint8Array {
  const a = encodeCbor(['Encrypt0', Buffer.alloc(0), Buffer.from(th)]);
  t(`A_${n} (CBOR data item)`, a);
  return a;
}

/** PRK_out = EDHOC_KDF( PRK_4e3m, 7, TH_4, hash_length ) and PRK_exporter (§4.1.3). */
export function derivePrkOut(prk4e3m: Uint8Array, th4: Uint8Array, t: TraceSink): { prkOut: Uint8Array; prkExporter: Uint8Array } {
  const prkOut = kdf(t, 'PRK_out', prk4e3m, KDF_LABEL.PRK_OUT, th4, 32);
  t('info for PRK_exporter', kdfInfo(KDF_LABEL.PRK_EXPORTER, new Uint8Array(0), 32));
  const prkExporter = prkExporterOf(prkOut);
  t('PRK_exporter', prkExporter);
  return { prkOut, prkExporter };
}
