/**
 * Devices enrolled by EDHOC: per device its authentication credential (so that it may later name it
 * by kid or x5t instead of sending it) and the OSCORE context its last handshake derived (RFC 9528
 * Appendix A.1), in the binding's durable store. A context counts only while onboarding has the
 * device approved; a new handshake replaces it. The OSCORE layer finds these contexts by kid beside
 * the ones onboarding's credentials hold (SecurityContexts.source).
 */
import type { BindingContext, OscoreCredential } from '../../../gateway/binding.js';
import { ccsCredential, x509Credential, type Credential, type IdCred } from '../../../protocols/edhoc/index.js';
import { sha256 } from '../../../protocols/edhoc/edhoc-crypto.js';

/** Store key prefix; ':' keeps it apart from endpoint names. */
export const ENROLLED_PREFIX = 'edhoc:dev:';

interface StoredEnrolment {
  /** CRED_x bytes (hex): a CCS map, or a DER certificate when type is x509. */
  cred: string;
  type: 'ccs' | 'x509';
  oscore: OscoreCredential;
}

interface Enrolled {
  readonly deviceId: string;
  readonly credential: Credential;
  readonly oscore: OscoreCredential;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class EnrolledDevices {
  private readonly byDevice = new Map<string, Enrolled>();
  /** OSCORE Recipient ID (the device's C_R, hex) -> device id. */
  private readonly byKid = new Map<string, string>();
  /** Credential kid (hex) -> device ids (a kid need not be unique; the MAC decides). */
  private readonly byCredKid = new Map<string, Set<string>>();

  constructor(private readonly ctx: BindingContext) {
    for (const [k, v] of ctx.store.load()) {
      if (!k.startsWith(ENROLLED_PREFIX)) continue;
      try {
        const e = v as StoredEnrolment;
        const bytes = Buffer.from(e.cred, 'hex');
        this.index({ deviceId: k.slice(ENROLLED_PREFIX.length), credential: e.type === 'x509' ? x509Credential(bytes) : ccsCredential(bytes), oscore: e.oscore });
      } catch {
        ctx.store.delete(k);
      }
    }
  }

  get size(): number {
    return this.byDevice.size;
  }

  /** Stores a device's credential and fresh OSCORE context; resolves once committed (it is then safe to answer). */
  async put(deviceId: string, credential: Credential, oscore: OscoreCredential): Promise<void> {
    this.remove(deviceId);
    this.index({ deviceId, credential, oscore });
    const stored: StoredEnrolment = { cred: hex(credential.der ?? credential.bytes), type: credential.type, oscore };
    this.ctx.store.put(ENROLLED_PREFIX + deviceId, stored);
    await this.ctx.committed();
  }

  /** Forgets a device (rejected, revoked). */
  drop(deviceId: string): void {
    if (this.remove(deviceId)) this.ctx.store.delete(ENROLLED_PREFIX + deviceId);
  }

  /** The approved device whose OSCORE Recipient ID is `kidHex`. */
  findByKid(kidHex: string): { deviceId: string; oscore: OscoreCredential } | undefined {
    const deviceId = this.byKid.get(kidHex.toLowerCase());
    const oscore = deviceId === undefined ? undefined : this.oscoreOf(deviceId);
    return oscore && deviceId !== undefined ? { deviceId, oscore } : undefined;
  }

  /** The OSCORE context of an approved enrolled device. */
  oscoreOf(deviceId: string): OscoreCredential | undefined {
    const e = this.byDevice.get(deviceId);
    if (!e) return undefined;
    const a = this.ctx.admission(deviceId);
    // The context belongs to the key that was approved: a device re-approved under another key must enrol again.
    if (a.state !== 'approved' || (a.credentials.publicKeySha256 !== undefined && a.credentials.publicKeySha256 !== e.credential.fingerprint)) return undefined;
    return e.oscore;
  }

  /** An identifier some device already sends with (a C_R must differ, RFC 9668 §4.1.2). */
  kidInUse(kidHex: string): boolean {
    return this.byKid.has(kidHex);
  }

  credentialOf(deviceId: string): Credential | undefined {
    return this.byDevice.get(deviceId)?.credential;
  }

  /** A stored credential named by reference (kid, x5t), for a device that enrolled before. */
  lookup(id: IdCred): Credential | undefined {
    if (id.kind === 'kid') {
      for (const deviceId of this.byCredKid.get(hex(id.kid)) ?? []) return this.byDevice.get(deviceId)?.credential;
      return undefined;
    }
    if (id.kind === 'x5t') {
      const want = hex(id.hash);
      for (const e of this.byDevice.values()) if (e.credential.der && hex(sha256(e.credential.der).subarray(0, id.hash.length)) === want) return e.credential;
    }
    return undefined;
  }

  private index(e: Enrolled): void {
    this.byDevice.set(e.deviceId, e);
    this.byKid.set(e.oscore.recipientId.toLowerCase(), e.deviceId);
    if (e.credential.kid) {
      const k = hex(e.credential.kid);
      let set = this.byCredKid.get(k);
      if (!set) this.byCredKid.set(k, (set = new Set()));
      set.add(e.deviceId);
    }
  }

  private remove(deviceId: string): boolean {
    const old = this.byDevice.get(deviceId);
    if (!old) return false;
    this.byDevice.delete(deviceId);
    if (this.byKid.get(old.oscore.recipientId) === deviceId) this.byKid.delete(old.oscore.recipientId);
    if (old.credential.kid) this.byCredKid.get(hex(old.credential.kid))?.delete(deviceId);
    return true;
  }
}
