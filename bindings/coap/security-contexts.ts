/**
 * OSCORE security contexts per device (RFC 8613 §3), built from the credentials onboarding holds
 * for an approved device (a manifest or an admin gave them), and the gateway's Sender Sequence
 * Numbers per device, persisted the RFC 8613 Appendix B.1.1 way in the binding's durable store.
 *
 * Replay windows live in memory only: a context built after a gateway start has an
 * unsynchronized window, so the device's first request is answered with an Echo challenge
 * (RFC 8613 B.1.2, RFC 9175) by oscore-layer.ts.
 */
import type { BindingContext, OscoreCredential } from '../../gateway/binding.js';
import { deriveContext, ReplayWindow, SequenceStore, type OscoreContext } from '../../protocols/oscore/index.js';

/** What the gateway keeps for one device with a context. */
export interface DeviceSecurity {
  readonly deviceId: string;
  readonly context: OscoreContext;
  readonly replay: ReplayWindow;
  /** The Echo value of the challenge in flight after a restart (RFC 9175 §2.4), or null. */
  echo: Buffer | null;
  /** The credential it was derived from, to notice a new one. */
  readonly fingerprint: string;
}

/** Contexts held outside onboarding's credentials: those EDHOC derived (bindings/coap/edhoc/). */
export interface OscoreSource {
  findByKid(kidHex: string): { deviceId: string; oscore: OscoreCredential } | undefined;
  oscoreOf(deviceId: string): OscoreCredential | undefined;
}

/** Store keys of sequence numbers; endpoint names cannot hold ':' so they never meet a registration. */
export const SEQ_KEY_PREFIX = 'oscore:seq:';

export class SecurityContexts {
  private readonly byDevice = new Map<string, DeviceSecurity>();
  private readonly sequences = new Map<string, SequenceStore>();
  /** Durable values found at start, by device id. */
  private readonly stored = new Map<string, number>();
  /** Durable writes of sequence numbers (each one awaited before a message used it). */
  persisted = 0;
  /** EDHOC-derived contexts; for a device, one there wins over onboarding's (it is newer). */
  source: OscoreSource | null = null;

  constructor(private readonly ctx: BindingContext, private readonly persistInterval: number) {
    for (const [k, v] of ctx.store.load()) {
      if (k.startsWith(SEQ_KEY_PREFIX) && typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) this.stored.set(k.slice(SEQ_KEY_PREFIX.length), v);
    }
  }

  /** RFC 8613 §8.2 step 2: the approved device whose Sender ID (its kid) is `kid`. */
  byKid(kid: Buffer): DeviceSecurity | undefined {
    const found = this.ctx.findByOscoreKid(kid.toString('hex'));
    if (found?.credentials.oscore) return this.entry(found.deviceId, found.credentials.oscore);
    const enrolled = this.source?.findByKid(kid.toString('hex'));
    return enrolled ? this.entry(enrolled.deviceId, enrolled.oscore) : undefined;
  }

  /** The context of an approved device, or undefined when it has none. */
  forDevice(deviceId: string): DeviceSecurity | undefined {
    const enrolled = this.source?.oscoreOf(deviceId);
    if (enrolled) return this.entry(deviceId, enrolled);
    const a = this.ctx.admission(deviceId);
    return a.state === 'approved' && a.credentials.oscore ? this.entry(deviceId, a.credentials.oscore) : undefined;
  }

  hasContext(deviceId: string): boolean {
    if (this.source?.oscoreOf(deviceId)) return true;
    const a = this.ctx.admission(deviceId);
    return a.state === 'approved' && a.credentials.oscore !== undefined;
  }

  /**
   * A context EDHOC has just derived (RFC 9668): new keys that no message used yet, so its replay
   * window starts synchronized and the device's first request needs no Echo round trip.
   */
  install(deviceId: string): void {
    const cred = this.source?.oscoreOf(deviceId);
    if (cred) this.entry(deviceId, cred, new ReplayWindow());
  }

  /** Drops the in-memory context (revoked device); its sequence numbers keep counting. */
  forget(deviceId: string): void {
    this.byDevice.delete(deviceId);
  }

  /**
   * The next Sender Sequence Number of the gateway towards `deviceId` that may leave now. When it
   * opens a new block of K numbers, the block's start is written to the store and the commit is
   * awaited first (RFC 8613 B.1.1): after kill -9 or power loss the gateway continues above every
   * number it can have sent.
   */
  async nextSeq(deviceId: string): Promise<number> {
    let seqs = this.sequences.get(deviceId);
    if (!seqs) {
      const s = this.stored.get(deviceId);
      const opts = { persistInterval: this.persistInterval, restartMargin: 0 };
      seqs = s === undefined ? SequenceStore.fresh(opts) : SequenceStore.resume(s, opts);
      this.sequences.set(deviceId, seqs);
    }
    const ticket = seqs.next();
    if (ticket.persist !== null) {
      this.ctx.store.put(SEQ_KEY_PREFIX + deviceId, ticket.persist);
      await this.ctx.committed();
      seqs.persisted(ticket.persist);
      this.persisted++;
    }
    return ticket.seq;
  }

  private entry(deviceId: string, cred: OscoreCredential, fresh?: ReplayWindow): DeviceSecurity {
    const fingerprint = `${cred.masterSecret}/${cred.masterSalt ?? ''}/${cred.senderId}/${cred.recipientId}/${cred.idContext ?? ''}`;
    const old = this.byDevice.get(deviceId);
    if (old && old.fingerprint === fingerprint && !fresh) return old;
    const hex = (h: string | undefined) => Buffer.from(h ?? '', 'hex');
    const context = deriveContext({
      masterSecret: hex(cred.masterSecret), masterSalt: hex(cred.masterSalt), senderId: hex(cred.senderId), recipientId: hex(cred.recipientId),
      idContext: cred.idContext === undefined ? null : hex(cred.idContext),
    });
    const d: DeviceSecurity = { deviceId, context, replay: fresh ?? ReplayWindow.afterRestart(), echo: null, fingerprint };
    this.byDevice.set(deviceId, d);
    return d;
  }
}
