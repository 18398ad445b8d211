/**
 * One configured GATT device. Always-on (mains) devices keep a connection, subscribe to their
 * notifying characteristics and reconnect with backoff when they advertise again. Sleepy devices get a session when their
 * connectable advertisement is seen: connect, read, open the awake window (the hub hands the
 * first pending write to deliver() at once), deliver the rest, disconnect.
 */
import type { BindingContext, DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { DeviceTimeoutError, RoostError } from '../../protocols/errors.js';
import { decodeGattValue, encodeGattValue, normalizeUuid, type GattMapping } from '../../protocols/gatt/gatt-mapping.js';
import { SIG_MAPPINGS } from '../../protocols/gatt/gatt-sig.js';
import { gattTd } from './ble-td.js';
import { withTimeout, type Advertisement, type BleCentral, type BleConnection, type CharacteristicInfo, type Timers } from './central.js';
import type { ConnectionLimiter } from './connection-limiter.js';

export interface GattDeviceConfig {
  address: string;
  name?: string;
  sleepy: boolean;
  /** Map the SIG services (Environmental Sensing, Battery, Device Information) found by discovery. */
  sigServices: boolean;
  mappings: GattMapping[];
  /** A sleepy device is connected for a read at most this often (writes pending connect at once). */
  readIntervalMs: number;
}

export interface GattTimings {
  connectTimeoutMs: number;
  gattTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  awakeWindowMs: number;
}

export const GATT_COUNTERS = [
  'gattConnects', 'gattConnectFailures', 'gattDisconnects', 'gattSessions', 'gattSessionsDeferred', 'gattSessionFailures',
  'gattReads', 'gattReadFailures', 'gattNotifications', 'gattWrites', 'gattWriteFailures', 'gattMalformed',
  // Onboarding: advertisements and values of a device that is not approved, dropped.
  'gattUnadmitted',
] as const;
export type GattCounter = (typeof GATT_COUNTERS)[number];

export interface GattDeviceDeps {
  ctx: BindingContext;
  central: BleCentral;
  limiter: ConnectionLimiter;
  timers: Timers;
  timings: GattTimings;
  counters: Record<GattCounter, number>;
}

const key = (service: string, characteristic: string) => `${normalizeUuid(service)}/${normalizeUuid(characteristic)}`;
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class GattDevice {
  readonly deviceId: string;
  readonly thingId: string;
  private conn: BleConnection | null = null;
  private mappings: GattMapping[] | null = null;
  private readonly once = new Map<string, unknown>();
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private busy = false;
  private stopped = false;
  private backoffMs: number;
  /** An always-on device is connected again when it advertises, not before this time. */
  private nextAttemptAt = 0;
  private inFlight = 0;
  private started = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(readonly config: GattDeviceConfig, private readonly deps: GattDeviceDeps) {
    this.deviceId = config.address.replace(/:/g, '');
    this.thingId = deps.ctx.thingId(this.deviceId);
    this.backoffMs = deps.timings.reconnectMinMs;
  }

  get connected(): boolean {
    return this.conn !== null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.conn;
    this.conn = null;
    await c?.disconnect().catch(() => undefined);
  }

  /** The adapter is (back) up: an always-on device connects at its next advertisement. */
  adapterUp(): void {
    this.nextAttemptAt = 0;
    this.backoffMs = this.deps.timings.reconnectMinMs;
  }

  /** Connects only on a connectable advertisement: a controller can only reach an advertising peripheral. */
  onAdvertisement(adv: Advertisement): void {
    if (!adv.connectable || this.busy || this.stopped || this.conn) return;
    const { ctx } = this.deps;
    if (!this.config.sleepy) {
      if (ctx.now() >= this.nextAttemptAt) void this.connectMains();
      return;
    }
    const due = this.mappings === null
      || ctx.now() - this.lastReadAt >= this.config.readIntervalMs
      || (ctx.hasThing(this.thingId) && ctx.pending(this.thingId).length > 0);
    if (due) void this.session();
  }

  /** Onboarding: the device was rejected or revoked; its link (if any) is dropped now. */
  cutOff(): void {
    void this.conn?.disconnect().catch(() => undefined);
  }

  /** Whether the device is approved now (a revocation may land while a session runs). */
  private admitted(): boolean {
    if (this.deps.ctx.admission(this.deviceId).state === 'approved') return true;
    this.deps.counters.gattUnadmitted++;
    return false;
  }

  /** Writes one queued property value on the open connection. */
  async deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    const m = this.mappings?.find((x) => x.name === item.name && x.write);
    if (item.kind !== 'write' || !m) return { state: 'failed', error: `${item.name} is not a writable GATT property`, code: 'ROOST_ERR_METHOD_NOT_ALLOWED' };
    const conn = this.conn;
    if (!conn) return { state: 'retry', reason: 'not connected' };
    let bytes: Uint8Array;
    try {
      bytes = encodeGattValue(m, item.input);
    } catch (err) {
      return { state: 'failed', error: (err as Error).message, ...(err instanceof RoostError ? { code: err.code } : {}) };
    }
    this.inFlight++;
    this.started++;
    try {
      await this.gatt(conn.write(m.service, m.characteristic, bytes), `write ${m.name}`);
      this.deps.counters.gattWrites++;
      return { state: 'completed' };
    } catch (err) {
      this.deps.counters.gattWriteFailures++;
      return { state: 'retry', reason: (err as Error).message };
    } finally {
      this.inFlight--;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Live read for an always-on device. */
  async read(name: string): Promise<unknown> {
    const m = this.mappings?.find((x) => x.name === name);
    const conn = this.conn;
    if (!m || !conn) return undefined;
    const value = decodeGattValue(m, await this.gatt(conn.read(m.service, m.characteristic), `read ${name}`));
    this.deps.ctx.reportProperties(this.thingId, { [name]: value });
    return value;
  }

  private gatt<T>(p: Promise<T>, what: string): Promise<T> {
    const ms = this.deps.timings.gattTimeoutMs;
    return withTimeout(this.deps.timers, p, ms, () => new DeviceTimeoutError(`${this.config.address}: ${what} took over ${ms} ms`));
  }

  private async connect(): Promise<BleConnection> {
    const { central, limiter, timings, counters } = this.deps;
    try {
      const conn = await limiter.serialize(() => central.connect(this.config.address, { timeoutMs: timings.connectTimeoutMs }));
      counters.gattConnects++;
      return conn;
    } catch (err) {
      counters.gattConnectFailures++;
      throw err;
    }
  }

  /** Connects and makes the link current; onDrop runs if it drops while still current. */
  private async open(onDrop: () => void): Promise<BleConnection> {
    const c = await this.connect();
    this.conn = c;
    c.onDisconnect(() => {
      if (this.conn !== c) return;
      this.conn = null;
      onDrop();
    });
    return c;
  }

  private async connectMains(): Promise<void> {
    if (this.stopped || this.busy || this.conn) return;
    this.busy = true;
    const release = await this.deps.limiter.acquire();
    let conn: BleConnection | null = null;
    try {
      conn = await this.open(() => {
        release();
        this.deps.counters.gattDisconnects++;
        if (this.stopped) return;
        this.deps.ctx.setOnline(this.thingId, false);
        this.scheduleReconnect();
      });
      const c = conn;
      await this.setup(c);
      for (const m of this.mappings ?? []) {
        if (!m.notify) continue;
        await this.gatt(c.subscribe(m.service, m.characteristic, (v) => this.onValue(m, v)), `subscribe ${m.name}`);
      }
      this.backoffMs = this.deps.timings.reconnectMinMs;
      this.deps.ctx.setOnline(this.thingId, true);
      // Always-on things are always awake; this hands out what waited while the link was down.
      this.deps.ctx.awake(this.thingId, this.deps.timings.awakeWindowMs);
    } catch (err) {
      this.deps.ctx.logger.debug({ address: this.config.address, err: (err as Error).message }, 'GATT connect failed; retrying');
      // this.conn may have changed while awaiting (the link dropped): read it afresh.
      const current = this.conn as BleConnection | null;
      if (conn && current === conn) {
        this.conn = null;
        release();
        await conn.disconnect().catch(() => undefined);
      } else if (!conn) {
        release();
      }
      this.scheduleReconnect();
    } finally {
      this.busy = false;
    }
  }

  /** Backoff between attempts: reconnectMinMs doubling up to reconnectMaxMs, reset by a good link. */
  private scheduleReconnect(): void {
    this.nextAttemptAt = this.deps.ctx.now() + this.backoffMs;
    this.backoffMs = Math.min(this.deps.timings.reconnectMaxMs, this.backoffMs * 2);
  }

  private async session(): Promise<void> {
    const { ctx, limiter, counters } = this.deps;
    const release = limiter.tryAcquire();
    if (!release) {
      counters.gattSessionsDeferred++;
      return;
    }
    this.busy = true;
    let conn: BleConnection | null = null;
    try {
      conn = await this.open(() => undefined);
      await this.setup(conn);
      counters.gattSessions++;
      ctx.awake(this.thingId, this.deps.timings.awakeWindowMs);
      await this.drain();
      ctx.asleep(this.thingId);
    } catch (err) {
      counters.gattSessionFailures++;
      ctx.logger.debug({ address: this.config.address, err: (err as Error).message }, 'GATT session failed');
    } finally {
      this.conn = null;
      await conn?.disconnect().catch(() => undefined);
      release();
      this.busy = false;
    }
  }

  /** Waits until nothing is in flight and the hub hands out nothing more. */
  private async drain(): Promise<void> {
    for (;;) {
      await yieldTurn();
      if (this.inFlight > 0) {
        await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
        continue;
      }
      if (!this.conn || this.deps.ctx.pending(this.thingId).length === 0) return;
      const before = this.started;
      await yieldTurn();
      if (this.inFlight === 0 && this.started === before) return;
    }
  }

  /** Discovers (first time), registers the thing, reads what a session reads. */
  private async setup(conn: BleConnection): Promise<void> {
    const { ctx, counters } = this.deps;
    if (this.mappings === null) {
      const chars = await this.gatt(conn.discover(), 'discover');
      this.mappings = this.resolveMappings(chars);
      const title = this.config.name ?? `BLE device ${this.deviceId}`;
      ctx.registerThing({ deviceId: this.deviceId, nativeTd: gattTd(this.deviceId, title, this.mappings, this.config.sleepy), sleepy: this.config.sleepy });
    }
    const values: Record<string, unknown> = {};
    for (const m of this.mappings) {
      if (!m.read || (m.once && this.once.has(m.name))) continue;
      try {
        const v = decodeGattValue(m, await this.gatt(conn.read(m.service, m.characteristic), `read ${m.name}`));
        counters.gattReads++;
        values[m.name] = v;
        if (m.once) this.once.set(m.name, v);
      } catch (err) {
        counters[err instanceof RoostError && err.key === 'FRAME_INVALID' ? 'gattMalformed' : 'gattReadFailures']++;
      }
    }
    this.lastReadAt = ctx.now();
    if (Object.keys(values).length > 0 && this.admitted()) ctx.reportProperties(this.thingId, values);
  }

  private resolveMappings(chars: readonly CharacteristicInfo[]): GattMapping[] {
    const offered = new Set(chars.map((c) => key(c.service, c.uuid)));
    const rows = [...(this.config.sigServices ? SIG_MAPPINGS : []), ...this.config.mappings];
    const byName = new Map<string, GattMapping>();
    for (const m of rows) if (offered.has(key(m.service, m.characteristic))) byName.set(m.name, m);
    const missing = this.config.mappings.filter((m) => !offered.has(key(m.service, m.characteristic))).map((m) => m.name);
    if (missing.length > 0) this.deps.ctx.logger.warn({ address: this.config.address, missing }, 'configured GATT characteristics not offered by the device');
    return [...byName.values()];
  }

  private onValue(m: GattMapping, v: Uint8Array): void {
    if (!this.admitted()) return;
    try {
      const value = decodeGattValue(m, v);
      this.deps.counters.gattNotifications++;
      this.deps.ctx.reportProperties(this.thingId, { [m.name]: value });
    } catch {
      this.deps.counters.gattMalformed++;
    }
  }
}
