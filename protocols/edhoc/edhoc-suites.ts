/**
 * EDHOC cipher suites and methods as data (RFC 9528 §3.6 and §10.2, §3.2 and §10.3). Roost runs
 * suites 0 and 2 (the constrained-IoT suites with AES-CCM-16-64-128); suite 6 is in the table so
 * that an Initiator that prefers it can negotiate down (RFC 9529 §3 does exactly that).
 */
export type EdhocCurve = 'x25519' | 'p256';
export type EdhocSignature = 'ed25519' | 'es256';
export type EdhocAead = 'aes-128-ccm' | 'aes-128-gcm';

export interface CipherSuite {
  readonly id: number;
  readonly aead: EdhocAead;
  readonly keyLength: number;
  readonly ivLength: number;
  readonly tagLength: number;
  readonly hashLength: number;
  /** EDHOC MAC length for static DH authentication. */
  readonly macLength: number;
  readonly curve: EdhocCurve;
  readonly signature: EdhocSignature;
  /** COSE algorithm ids of the application AEAD and hash (what OSCORE uses, RFC 9528 Appendix A.1). */
  readonly appAeadAlg: number;
  readonly appHashAlg: number;
  readonly appKeyLength: number;
}

// RFC 9528 §10.2 registry: value -> (EDHOC AEAD, hash, MAC length, curve, signature, app AEAD, app hash).
export const CIPHER_SUITES: ReadonlyMap<number, CipherSuite> = new Map(
  [
    // 0: AES-CCM-16-64-128, SHA-256, 8, X25519, EdDSA, AES-CCM-16-64-128, SHA-256
    { id: 0, aead: 'aes-128-ccm', keyLength: 16, ivLength: 13, tagLength: 8, hashLength: 32, macLength: 8, curve: 'x25519', signature: 'ed25519', appAeadAlg: 10, appHashAlg: -16, appKeyLength: 16 },
    // 2: AES-CCM-16-64-128, SHA-256, 8, P-256, ES256, AES-CCM-16-64-128, SHA-256
    { id: 2, aead: 'aes-128-ccm', keyLength: 16, ivLength: 13, tagLength: 8, hashLength: 32, macLength: 8, curve: 'p256', signature: 'es256', appAeadAlg: 10, appHashAlg: -16, appKeyLength: 16 },
    // 6: A128GCM, SHA-256, 16, X25519, ES256, A128GCM, SHA-256
    { id: 6, aead: 'aes-128-gcm', keyLength: 16, ivLength: 12, tagLength: 16, hashLength: 32, macLength: 16, curve: 'x25519', signature: 'es256', appAeadAlg: 1, appHashAlg: -16, appKeyLength: 16 },
  ].map((s) => [s.id, s as CipherSuite]),
);

export type AuthKind = 'signature' | 'static-dh';

/** RFC 9528 §3.2 Figure 4: which key each side authenticates with. */
export const METHODS: ReadonlyMap<number, { readonly initiator: AuthKind; readonly responder: AuthKind }> = new Map([
  [0, { initiator: 'signature', responder: 'signature' }],
  [1, { initiator: 'signature', responder: 'static-dh' }],
  [2, { initiator: 'static-dh', responder: 'signature' }],
  [3, { initiator: 'static-dh', responder: 'static-dh' }],
] as const);

export function suiteById(id: number): CipherSuite | undefined {
  return CIPHER_SUITES.get(id);
}

/** mac_length_2 / mac_length_3 (RFC 9528 §5.3.2, §5.4.2): hash length with signatures, else the MAC length. */
export function macLength(suite: CipherSuite, auth: AuthKind): number {
  return auth === 'signature' ? suite.hashLength : suite.macLength;
}
