/**
 * The gateway's EDHOC authentication credentials (RFC 9528 §3.5): an Ed25519 key (its identity,
 * suite 0 signatures), an X25519 key (suite 0 static DH) and a P-256 key (suite 2, ES256 and static
 * DH), each as a CWT Claims Set. Made once and kept in the binding's durable store, so they survive
 * kill -9 and travel with a backup. Devices and installers pin the fingerprints (hex SHA-256 of the
 * raw public key) printed at start and listed by identity().
 */
import { randomBytes } from 'node:crypto';
import type { BindingContext } from '../../../gateway/binding.js';
import { CURVES, SIGNATURES, idCredOf, makeCcs, staticDhPublicKey, type LocalAuth, type PublicKey } from '../../../protocols/edhoc/index.js';

/** Store key of the private keys; ':' keeps it apart from endpoint names. */
export const IDENTITY_KEY = 'edhoc:identity';
/** CCS subject of every gateway credential. */
export const GATEWAY_SUBJECT = 'roost-gateway';

interface StoredKeys {
  ed25519: string;
  x25519: string;
  p256: string;
}

/** One credential the gateway offers, as identity() lists it. */
export interface GatewayCredentialInfo {
  /** Which key: `ed25519` (the identity), `x25519`, `p256`. */
  key: keyof StoredKeys;
  /** Hex SHA-256 of the raw public key. */
  fingerprint: string;
  /** The CCS (CRED_R) as hex, for a device that is provisioned with it rather than pinning a hash. */
  ccs: string;
  kid: string;
  /** Cipher suites the key serves (0: Ed25519 signatures or X25519 static DH; 2: P-256, ES256 and static DH). */
  suites: readonly number[];
}

// COSE 'kid' of each credential: one byte each, sent compact when ID_CRED is by kid (RFC 9528 §3.5.3.2).
const KIDS: Readonly<Record<keyof StoredKeys, number>> = { ed25519: 0x10, x25519: 0x11, p256: 0x12 };
const SUITES: Readonly<Record<keyof StoredKeys, readonly number[]>> = { ed25519: [0], x25519: [0], p256: [2] };

export class GatewayIdentity {
  private constructor(readonly auth: readonly LocalAuth[], readonly info: readonly GatewayCredentialInfo[]) {}

  /** Loads the keys from the store, or makes them and waits for the commit (first start). */
  static async load(ctx: BindingContext, by: 'kid' | 'value'): Promise<GatewayIdentity> {
    let keys = ctx.store.load().get(IDENTITY_KEY) as StoredKeys | undefined;
    if (!keys || typeof keys.ed25519 !== 'string' || typeof keys.x25519 !== 'string' || typeof keys.p256 !== 'string') {
      const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
      keys = { ed25519: hex(randomBytes(32)), x25519: hex(CURVES.x25519.randomPrivateKey()), p256: hex(CURVES.p256.randomPrivateKey()) };
      ctx.store.put(IDENTITY_KEY, keys);
      await ctx.committed();
    }
    return GatewayIdentity.fromKeys(keys, by);
  }

  static fromKeys(keys: StoredKeys, by: 'kid' | 'value'): GatewayIdentity {
    const auth: LocalAuth[] = [];
    const info: GatewayCredentialInfo[] = [];
    for (const key of ['ed25519', 'x25519', 'p256'] as const) {
      const privateKey = Buffer.from(keys[key], 'hex');
      const publicKey: PublicKey = key === 'ed25519' ? SIGNATURES.ed25519.publicKey(privateKey) : staticDhPublicKey(key, privateKey);
      const credential = makeCcs(publicKey, { sub: GATEWAY_SUBJECT, kid: Uint8Array.of(KIDS[key]) });
      // The Responder takes the first key that fits method and suite (keyFits): the P-256 key serves ES256 and static DH.
      auth.push({ privateKey, credential, idCred: idCredOf(credential, by) });
      info.push({ key, fingerprint: credential.fingerprint, ccs: Buffer.from(credential.bytes).toString('hex'), kid: KIDS[key].toString(16), suites: SUITES[key] });
    }
    return new GatewayIdentity(auth, info);
  }

  /** The Ed25519 identity's fingerprint (hex SHA-256 of the 32-byte public key). */
  get fingerprint(): string {
    return (this.info[0] as GatewayCredentialInfo).fingerprint;
  }
}
