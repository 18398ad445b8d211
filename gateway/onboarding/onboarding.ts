/**
 * Onboarding, one model for every binding (ARCHITECTURE.md "The device contract"): a device a
 * binding sees for the first time becomes *pending* unless policy says otherwise; an admin or
 * operator approves or rejects it; a vendor's manifest pre-approves devices with their
 * credentials; revocation cuts a device off at once. Bindings ask through their BindingContext
 * (admission, requestAdmission, findByOscoreKid, onAdmissionChange); the APIs through the methods
 * below. The table is kept in memory (one entry per device) and written through on every change.
 */
import type { Logger } from 'pino';
import type { Admission, DeviceClaim, DeviceCredentials } from '../binding.js';
import { ConflictError, DeviceNotFoundError } from '../../protocols/errors.js';
import type { DeviceRecord, DeviceSource, DeviceState, DeviceStore } from './device-store.js';
import { SharedClaims } from './shared-claims.js';

export type OnboardingPolicy = 'approve' | 'manifest' | 'open';

export interface OnboardingOptions {
  /** Policy of a binding not named in `policy`. */
  defaultPolicy: OnboardingPolicy;
  policy: Record<string, OnboardingPolicy>;
  /** Pending devices kept at most; a new device beyond it is refused (counted). */
  maxPending: number;
  /**
   * Devices the open policy approved, kept at most (default DEFAULT_MAX_OPEN_DEVICES): under `open`
   * any name a peer makes up becomes a record, in memory and in the database, and stays after its
   * registration ends; beyond the bound a new device is refused (counted in openRefusedFull).
   */
  maxOpenDevices?: number;
}

/** Default of OnboardingOptions.maxOpenDevices: twice the fleet the gateway is sized for. */
export const DEFAULT_MAX_OPEN_DEVICES = 20_000;

/** One entry of a vendor's manifest (docs/security.md). */
export interface ManifestEntry {
  binding: string;
  deviceId: string;
  name?: string;
  credentials: DeviceCredentials;
}

export type AdmissionListener = (deviceId: string, admission: Admission) => void;

export interface OnboardingCounters {
  admissionsRequested: number;
  pendingAdded: number;
  pendingRefusedFull: number;
  rejectedSeen: number;
  approvedOpen: number;
  openRefusedFull: number;
}

export class Onboarding {
  readonly counters: OnboardingCounters = { admissionsRequested: 0, pendingAdded: 0, pendingRefusedFull: 0, rejectedSeen: 0, approvedOpen: 0, openRefusedFull: 0 };
  /** binding -> device id -> record: keyed by the record's own id string, no key string per device (issue 20). */
  private readonly devices = new Map<string, Map<string, DeviceRecord>>();
  /** Long claim strings (a model's links) shared between records. */
  private readonly claims = new SharedClaims();
  /** binding -> kid (hex) -> device id, for approved devices with an OSCORE credential. */
  private readonly kids = new Map<string, Map<string, string>>();
  /** binding -> public key fingerprint (hex SHA-256) -> device id: approved keys and pending devices' claimed keys. */
  private readonly keys = new Map<string, Map<string, string>>();
  private readonly listeners = new Map<string, AdmissionListener[]>();
  private pending = 0;
  /** Records the open policy made (source 'open'). */
  private opened = 0;
  private warnedOpen = new Set<string>();

  constructor(
    private readonly store: DeviceStore,
    private readonly opts: OnboardingOptions,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** Told of every change (the APIs publish pending devices on MQTT, the hub updates things). */
    private readonly onChange: (d: DeviceRecord) => void = () => undefined,
  ) {
    for (const d of store.all()) this.index(d);
  }

  policyOf(binding: string): OnboardingPolicy {
    return this.opts.policy[binding] ?? this.opts.defaultPolicy;
  }

  admission(binding: string, deviceId: string): Admission {
    const d = this.known(binding, deviceId);
    if (!d) return { state: 'unknown' };
    return d.state === 'approved' ? { state: 'approved', credentials: d.credentials ?? {} } : { state: d.state };
  }

  requestAdmission(binding: string, claim: DeviceClaim): Admission {
    this.counters.admissionsRequested++;
    const existing = this.known(binding, claim.deviceId);
    if (existing) {
      if (existing.state === 'pending') {
        // Seen again while pending: keep what it says now, for the admin.
        this.save({ ...existing, seenAs: claim.seenAs, claims: claim.claims ?? existing.claims, updatedAt: this.now() });
      } else if (existing.state !== 'approved') {
        this.counters.rejectedSeen++;
      }
      return this.admission(binding, claim.deviceId);
    }
    const policy = this.policyOf(binding);
    if (policy === 'open') {
      if (this.opened >= (this.opts.maxOpenDevices ?? DEFAULT_MAX_OPEN_DEVICES)) {
        this.counters.openRefusedFull++;
        return { state: 'unknown' };
      }
      if (!this.warnedOpen.has(binding)) {
        this.warnedOpen.add(binding);
        this.logger.warn({ binding }, 'onboarding policy is OPEN: every device that asks is approved without a person (lab use only)');
      }
      this.counters.approvedOpen++;
      this.save(this.record(binding, claim, 'approved', 'open'));
      return this.admission(binding, claim.deviceId);
    }
    if (policy === 'manifest') {
      this.counters.rejectedSeen++;
      return { state: 'rejected' };
    }
    if (this.pending >= this.opts.maxPending) {
      this.counters.pendingRefusedFull++;
      return { state: 'unknown' };
    }
    this.counters.pendingAdded++;
    this.save(this.record(binding, claim, 'pending', 'seen'));
    this.logger.info({ binding, deviceId: claim.deviceId, seenAs: claim.seenAs }, 'new device pending approval');
    return { state: 'pending' };
  }

  findByOscoreKid(binding: string, kidHex: string): { deviceId: string; credentials: DeviceCredentials } | undefined {
    const deviceId = this.kids.get(binding)?.get(kidHex.toLowerCase());
    const d = deviceId === undefined ? undefined : this.known(binding, deviceId);
    return d && d.state === 'approved' ? { deviceId: d.deviceId, credentials: d.credentials ?? {} } : undefined;
  }

  /**
   * The device of this binding that holds the public key `fingerprint` (hex SHA-256): by its
   * credentials (a manifest of public keys, an approval), else by the key it proved (EDHOC,
   * claims.publicKeySha256), whatever its state.
   */
  findByPublicKey(binding: string, fingerprint: string): { deviceId: string; admission: Admission } | undefined {
    const deviceId = this.keys.get(binding)?.get(fingerprint.toLowerCase());
    return deviceId === undefined ? undefined : { deviceId, admission: this.admission(binding, deviceId) };
  }

  onAdmissionChange(binding: string, listener: AdmissionListener): void {
    const list = this.listeners.get(binding) ?? [];
    list.push(listener);
    this.listeners.set(binding, list);
  }

  get(binding: string, deviceId: string): DeviceRecord {
    const d = this.known(binding, deviceId);
    if (!d) throw new DeviceNotFoundError(`no device ${deviceId} of binding ${binding}`);
    return d;
  }

  list(state?: DeviceState): DeviceRecord[] {
    const all = [...this.devices.values()].flatMap((m) => [...m.values()]);
    return (state ? all.filter((d) => d.state === state) : all).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  get pendingCount(): number {
    return this.pending;
  }

  /** An admin approves a pending (or rejected) device, optionally giving its credentials. */
  approve(binding: string, deviceId: string, credentials?: DeviceCredentials, name?: string): DeviceRecord {
    const d = this.get(binding, deviceId);
    if (d.state === 'approved') throw new ConflictError(`device ${deviceId} is already approved`);
    return this.decide({ ...d, state: 'approved', source: 'admin', credentials: credentials ?? d.credentials ?? keyOf(d.claims), name: name ?? d.name, updatedAt: this.now() });
  }

  reject(binding: string, deviceId: string): DeviceRecord {
    const d = this.get(binding, deviceId);
    if (d.state === 'rejected') throw new ConflictError(`device ${deviceId} is already rejected`);
    return this.decide({ ...d, state: 'rejected', source: 'admin', updatedAt: this.now() });
  }

  /** Cuts a device off at once: its credentials are deleted and it is refused from now on. */
  revoke(binding: string, deviceId: string): DeviceRecord {
    const d = this.get(binding, deviceId);
    return this.decide({ ...d, state: 'revoked', source: 'admin', credentials: null, updatedAt: this.now() });
  }

  /** Pre-approves the manifest's devices with their credentials, in one transaction. Returns how many. */
  importManifest(entries: readonly ManifestEntry[]): number {
    const now = this.now();
    const records = entries.map((e): DeviceRecord => {
      const old = this.known(e.binding, e.deviceId);
      return {
        binding: e.binding, deviceId: e.deviceId, state: 'approved', name: e.name ?? old?.name ?? null, seenAs: old?.seenAs ?? null,
        claims: old?.claims ?? null, credentials: e.credentials, source: 'manifest', createdAt: old?.createdAt ?? now, updatedAt: now,
      };
    });
    this.store.atomically(() => {
      for (const r of records) this.store.put(r);
    });
    for (const r of records) {
      this.index(r);
      this.onChange(r);
      this.tell(r);
    }
    return records.length;
  }

  private record(binding: string, claim: DeviceClaim, state: DeviceState, source: DeviceSource): DeviceRecord {
    const now = this.now();
    const credentials = state === 'approved' ? keyOf(claim.claims ?? null) : null;
    return { binding, deviceId: claim.deviceId, state, name: null, seenAs: claim.seenAs, claims: claim.claims ?? null, credentials, source, createdAt: now, updatedAt: now };
  }

  private decide(d: DeviceRecord): DeviceRecord {
    this.save(d);
    this.tell(d);
    this.logger.info({ binding: d.binding, deviceId: d.deviceId, state: d.state }, 'device admission changed');
    return d;
  }

  private save(d: DeviceRecord): void {
    this.store.put(d);
    this.index(d);
    this.onChange(d);
  }

  private tell(d: DeviceRecord): void {
    const admission = this.admission(d.binding, d.deviceId);
    for (const l of this.listeners.get(d.binding) ?? []) {
      try {
        l(d.deviceId, admission);
      } catch (err) {
        this.logger.error({ err, binding: d.binding, deviceId: d.deviceId }, 'admission listener failed');
      }
    }
  }

  private known(binding: string, deviceId: string): DeviceRecord | undefined {
    return this.devices.get(binding)?.get(deviceId);
  }

  private index(record: DeviceRecord): void {
    const d: DeviceRecord = { ...record, claims: this.claims.share(record.claims) };
    let byId = this.devices.get(d.binding);
    if (!byId) this.devices.set(d.binding, (byId = new Map()));
    const old = byId.get(d.deviceId);
    if (old?.state === 'pending') this.pending--;
    if (old?.source === 'open') this.opened--;
    if (old?.credentials?.oscore) this.kids.get(d.binding)?.delete(old.credentials.oscore.recipientId.toLowerCase());
    const oldKey = keyFingerprint(old);
    if (oldKey !== undefined && this.keys.get(d.binding)?.get(oldKey) === d.deviceId) this.keys.get(d.binding)?.delete(oldKey);
    byId.set(d.deviceId, d);
    const newKey = keyFingerprint(d);
    if (newKey !== undefined) {
      let m = this.keys.get(d.binding);
      if (!m) this.keys.set(d.binding, (m = new Map()));
      m.set(newKey, d.deviceId);
    }
    if (d.state === 'pending') this.pending++;
    if (d.source === 'open') this.opened++;
    if (d.state === 'approved' && d.credentials?.oscore) {
      let m = this.kids.get(d.binding);
      if (!m) this.kids.set(d.binding, (m = new Map()));
      m.set(d.credentials.oscore.recipientId.toLowerCase(), d.deviceId);
    }
  }
}

/** Credentials holding the key a device proved (claims.publicKeySha256, set by a binding that verified it), or null. */
function keyOf(claims: Record<string, unknown> | null): DeviceCredentials | null {
  const fp = claims?.['publicKeySha256'];
  return typeof fp === 'string' ? { publicKeySha256: fp.toLowerCase() } : null;
}

function keyFingerprint(d: DeviceRecord | undefined): string | undefined {
  // A rejected or revoked device keeps its key in the index, so that the same key stays refused.
  const fp = d?.credentials?.publicKeySha256 ?? keyOf(d?.claims ?? null)?.publicKeySha256;
  return fp?.toLowerCase();
}
