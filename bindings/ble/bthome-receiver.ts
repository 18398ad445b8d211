/**
 * Passive BTHome sensors: decode, drop duplicates and replays, register a thing when a device is
 * first seen and approved (onboarding: its TD from the objects it actually sends, grown when new
 * ones appear), report readings and emit button/dimmer events. A sensor that is not approved
 * reaches nothing in the hub; its bind key may come with its approval (credentials.bthomeKey).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Admission, BindingContext } from '../../gateway/binding.js';
import { parseBindKey } from '../../protocols/bthome/bthome-crypto.js';
import type { BthomeObjectSpec } from '../../protocols/bthome/bthome-objects.js';
import { decodeBthome, type BthomeFrame } from '../../protocols/bthome/bthome-frame.js';
import { RoostError } from '../../protocols/errors.js';
import { bthomeTd, isBthomeEvent } from './ble-td.js';
import type { Advertisement } from './central.js';

export interface BthomeReceiverOptions {
  /** Bind keys by lower-case colon MAC. */
  keys: ReadonlyMap<string, Uint8Array>;
  /** A repeated or older packet id within this window is a duplicate (bthome-ble uses 4 s). */
  packetIdWindowMs: number;
  /** Devices this binding accepts; more are counted and ignored. */
  maxDevices: number;
}

interface SensorState {
  thingId: string;
  title: string;
  keys: Map<string, BthomeObjectSpec>;
  encrypted: boolean;
  lastPacketId?: number;
  lastFrameAt: number;
  lastCounter?: number;
  online: boolean;
}

export const BTHOME_COUNTERS = [
  'bthomeFrames', 'bthomeDuplicates', 'bthomeReplays', 'bthomeDecryptFailures', 'bthomeNoKey',
  'bthomePlaintextRejected', 'bthomeMalformed', 'bthomeUnknownObjects', 'bthomeDevicesRefused', 'bthomeTdUpdates',
  // Frames of sensors that are not approved (pending, rejected, revoked): dropped before the hub.
  'bthomeUnadmitted',
] as const;
export type BthomeCounter = (typeof BTHOME_COUNTERS)[number];

const REASON_COUNTER: Record<string, BthomeCounter> = {
  mic: 'bthomeDecryptFailures',
  no_key: 'bthomeNoKey',
  plaintext_with_key: 'bthomePlaintextRejected',
};

function jsonValue(v: unknown): unknown {
  return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
}

export class BthomeReceiver {
  readonly counters: Record<BthomeCounter, number> = Object.fromEntries(BTHOME_COUNTERS.map((c) => [c, 0])) as Record<BthomeCounter, number>;
  private readonly sensors = new Map<string, SensorState>();

  constructor(private readonly ctx: BindingContext, private readonly opts: BthomeReceiverOptions) {}

  get deviceCount(): number {
    return this.sensors.size;
  }

  /** Handles one advertisement carrying 0xFCD2 service data. */
  handle(adv: Advertisement, data: Uint8Array): void {
    const admission = this.ctx.admission(deviceIdOf(adv.address));
    const key = this.keyOf(adv.address, admission);
    let frame: BthomeFrame;
    try {
      frame = decodeBthome(data, key ? { address: adv.address, key } : { address: adv.address });
    } catch (err) {
      const reason = err instanceof RoostError ? String(err.details?.['reason']) : '';
      this.counters[REASON_COUNTER[reason] ?? 'bthomeMalformed']++;
      this.ctx.logger.debug({ address: adv.address, reason }, 'BTHome frame dropped');
      // A known format, encrypted: the admin may approve it with its bind key.
      if (reason === 'no_key' && admission.state === 'unknown') this.admit(adv, deviceIdOf(adv.address), { format: 'bthome', encrypted: true });
      return;
    }
    // A frame that carries a MAC (device-info bit 1) speaks for that device: it must be sealed with
    // that device's key, not the advertiser's. Else any sender, keyless or with a key of its own,
    // could feed another sensor's thing, and push its counter out of reach of the real sensor.
    if (frame.mac !== adv.address && !sameKey(key, this.keyOf(frame.mac))) {
      this.counters[key ? 'bthomeDecryptFailures' : 'bthomePlaintextRejected']++;
      this.ctx.logger.debug({ address: adv.address, mac: frame.mac }, 'BTHome frame for another device\'s MAC, not sealed with its key: dropped');
      return;
    }
    if (!this.admitted(adv, frame)) {
      this.counters.bthomeUnadmitted++;
      return;
    }
    const now = this.ctx.now();
    let s = this.sensors.get(frame.mac);
    if (s && this.isDuplicate(s, frame, now)) return;
    this.counters.bthomeFrames++;
    if (frame.unknownObjectId !== undefined) this.counters.bthomeUnknownObjects++;
    if (!s) {
      if (this.sensors.size >= this.opts.maxDevices) {
        this.counters.bthomeDevicesRefused++;
        return;
      }
      const deviceId = frame.mac.replace(/:/g, '');
      s = { thingId: this.ctx.thingId(deviceId), title: adv.localName ? `${adv.localName} (${deviceId})` : `BTHome sensor ${deviceId}`, keys: new Map(), encrypted: frame.encrypted, lastFrameAt: now, online: true };
      this.sensors.set(frame.mac, s);
    }
    s.lastFrameAt = now;
    if (frame.counter !== undefined) s.lastCounter = frame.counter;
    this.ensureTd(s, frame);
    if (!s.online) {
      s.online = true;
      this.ctx.setOnline(s.thingId, true);
    }
    const values: Record<string, unknown> = { rssi: adv.rssi };
    for (const o of frame.objects) {
      if (o.spec.kind === 'packetId') {
        s.lastPacketId = o.value as number;
      } else if (isBthomeEvent(o.spec)) {
        // "none" is the idle state a device repeats; it is not an event.
        const ev = typeof o.value === 'string' ? o.value : (o.value as { event: string }).event;
        if (ev !== 'none') this.ctx.emitEvent(s.thingId, o.key, o.value, now);
      } else {
        values[o.key] = jsonValue(o.value);
      }
    }
    this.ctx.reportProperties(s.thingId, values, now);
  }

  /** Onboarding: a rejected or revoked sensor is forgotten and offline at once. */
  admissionChanged(deviceId: string, a: Admission): void {
    if (a.state !== 'rejected' && a.state !== 'revoked') return;
    for (const [mac, s] of this.sensors) {
      if (deviceIdOf(mac) !== deviceId) continue;
      this.sensors.delete(mac);
      if (this.ctx.hasThing(s.thingId)) this.ctx.setOnline(s.thingId, false);
    }
  }

  /** The bind key of a device: from the config, else from its approval (credentials.bthomeKey). */
  private keyOf(mac: string, admission: Admission = this.ctx.admission(deviceIdOf(mac))): Uint8Array | undefined {
    return this.opts.keys.get(mac) ?? credentialKey(admission);
  }

  /** Whether the frame's device is approved; one never seen asks for admission with what it sends. */
  private admitted(adv: Advertisement, frame: BthomeFrame): boolean {
    const deviceId = deviceIdOf(frame.mac);
    const state = this.ctx.admission(deviceId).state;
    if (state !== 'unknown') return state === 'approved';
    const objects = frame.objects.filter((o) => o.spec.kind !== 'packetId').map((o) => o.key);
    return this.admit(adv, deviceId, { format: 'bthome', encrypted: frame.encrypted, objects }).state === 'approved';
  }

  private admit(adv: Advertisement, deviceId: string, claims: Record<string, unknown>): Admission {
    return this.ctx.requestAdmission({ deviceId, seenAs: `ble advertisement from ${adv.address}`, claims: { ...claims, model: adv.localName ?? null } });
  }

  /** Marks sensors not heard for `silentMs` offline; returns how many went offline. */
  sweep(silentMs: number): number {
    const now = this.ctx.now();
    let n = 0;
    for (const s of this.sensors.values()) {
      if (s.online && now - s.lastFrameAt >= silentMs) {
        s.online = false;
        this.ctx.setOnline(s.thingId, false);
        n++;
      }
    }
    return n;
  }

  /** Encrypted: the counter must strictly increase. Plain: packet id semantics of bthome-ble. */
  private isDuplicate(s: SensorState, frame: BthomeFrame, now: number): boolean {
    if (frame.counter !== undefined && s.lastCounter !== undefined && frame.counter <= s.lastCounter) {
      // The same counter is the same frame heard again; an older one is a replay.
      this.counters[frame.counter === s.lastCounter ? 'bthomeDuplicates' : 'bthomeReplays']++;
      return true;
    }
    const pid = frame.objects.find((o) => o.spec.kind === 'packetId')?.value as number | undefined;
    if (pid === undefined || s.lastPacketId === undefined || now - s.lastFrameAt > this.opts.packetIdWindowMs) return false;
    // Newer if ahead by less than 64 modulo 256 (bthome-ble: at most 16 frames/s within the window).
    const ahead = (pid - s.lastPacketId + 256) % 256;
    if (ahead > 0 && ahead < 64) return false;
    this.counters.bthomeDuplicates++;
    return true;
  }

  private ensureTd(s: SensorState, frame: BthomeFrame): void {
    const hadKeys = s.keys.size > 0;
    let grown = false;
    for (const o of frame.objects) {
      if (o.spec.kind === 'packetId' || s.keys.has(o.key)) continue;
      s.keys.set(o.key, o.spec);
      grown = true;
    }
    const known = this.ctx.hasThing(s.thingId);
    if (known && !grown) return;
    // A thing kept from before a restart is re-registered from what this run has heard; not an update.
    if (known && hadKeys) this.counters.bthomeTdUpdates++;
    const deviceId = frame.mac.replace(/:/g, '');
    this.ctx.registerThing({ deviceId, nativeTd: bthomeTd(deviceId, s.title, s.keys, s.encrypted), sleepy: true });
  }
}

function deviceIdOf(mac: string): string {
  return mac.toLowerCase().replace(/:/g, '');
}

function sameKey(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bind key an approval or a manifest gave the device, if any. */
function credentialKey(a: Admission): Uint8Array | undefined {
  const hex = a.state === 'approved' ? a.credentials.bthomeKey : undefined;
  try {
    return hex === undefined ? undefined : parseBindKey(hex);
  } catch {
    return undefined; // not a key: the frame counts as one without a key
  }
}
