/**
 * The `ingest` binding: devices that post readings in the TUM iotplatform gateways' format
 * (docs/api.md "Device ingest") over HTTP, WebSocket or MQTT, authenticated by a device token an
 * admin issued. Each device is a thing `urn:roost:ingest:{device}`; each sensor it reports becomes
 * a read-only property of that thing, typed by its first value (the native TD grows as sensors
 * arrive). The transports live with the APIs (gateway/api/routes/ingest.ts, gateway/mqtt/
 * device-ingest.ts); this class holds the token secret, checks tokens against onboarding and turns
 * readings into reportProperties, answering only once they are committed.
 */
import { randomBytes } from 'node:crypto';
import type { Binding, BindingContext, BindingStatus, DeliveryOutcome, QueuedItem, ThingDescription } from '../binding.js';
import { BadRequestError, BindingUnavailableError, ForbiddenError } from '../../protocols/errors.js';
import { signDeviceToken, verifyDeviceToken } from './device-tokens.js';
import { SENSOR_NAME, typeOf, type Reading } from './tum-readings.js';

export const INGEST_BINDING = 'ingest';

export interface IngestOptions {
  /** Lifetime of a device token unless the admin asks for another (s). */
  tokenTtlS: number;
  /** Readings in one request (HTTP body, WebSocket message, MQTT publish). */
  maxReadingsPerRequest: number;
  /** Sensors one device may have; a reading for one more is refused. */
  maxSensorsPerDevice: number;
}

export const DEFAULT_INGEST_OPTIONS: IngestOptions = { tokenTtlS: 365 * 86400, maxReadingsPerRequest: 1000, maxSensorsPerDevice: 256 };

export const optionsSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    tokenTtlS: { type: 'integer', minimum: 60, default: DEFAULT_INGEST_OPTIONS.tokenTtlS, description: 'Lifetime of a device token (s) unless POST /devices/{id}/token asks for another.' },
    maxReadingsPerRequest: { type: 'integer', minimum: 1, default: DEFAULT_INGEST_OPTIONS.maxReadingsPerRequest },
    maxSensorsPerDevice: { type: 'integer', minimum: 1, default: DEFAULT_INGEST_OPTIONS.maxSensorsPerDevice },
  },
} as const;

type SensorType = ReturnType<typeof typeOf>;

export interface IngestCounters {
  requests: number;
  readings: number;
  /** Requests refused for a missing or malformed Authorization (401). */
  refusedUnauthenticated: number;
  /** Requests refused for a token that does not verify, is expired or whose device is unknown or revoked (403). */
  refusedForbidden: number;
  /** Requests refused for their content (400, 413). */
  refusedInvalid: number;
  tokensIssued: number;
}

/** Device ids as the thing id carries them. */
export const DEVICE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export class IngestBinding implements Binding {
  readonly name = INGEST_BINDING;
  readonly options: IngestOptions;
  readonly counters: IngestCounters = { requests: 0, readings: 0, refusedUnauthenticated: 0, refusedForbidden: 0, refusedInvalid: 0, tokensIssued: 0 };
  private ctx: BindingContext | null = null;
  private secret: Uint8Array | null = null;
  private readonly sensors = new Map<string, Record<string, SensorType>>();
  private readonly gens = new Map<string, number>();

  constructor(options: Partial<IngestOptions> = {}) {
    this.options = { ...DEFAULT_INGEST_OPTIONS, ...options };
  }

  async start(ctx: BindingContext): Promise<void> {
    this.ctx = ctx;
    const state = ctx.store.load();
    let hex = state.get('secret');
    if (typeof hex !== 'string') {
      hex = randomBytes(32).toString('hex');
      ctx.store.put('secret', hex);
      await ctx.committed();
    }
    this.secret = Buffer.from(hex as string, 'hex');
    for (const [k, v] of state) {
      if (k.startsWith('gen:') && typeof v === 'number') this.gens.set(k.slice(4), v);
      if (k.startsWith('sensors:') && typeof v === 'object' && v !== null) this.sensors.set(k.slice(8), v as Record<string, SensorType>);
    }
    // Revocation (or a rejection) kills every token issued before it, even after a later approval.
    ctx.onAdmissionChange((deviceId, admission) => {
      if (admission.state === 'approved') return;
      this.bumpGen(deviceId);
      const thingId = ctx.thingId(deviceId);
      if (ctx.hasThing(thingId)) ctx.setOnline(thingId, false);
    });
  }

  async stop(): Promise<void> {
    this.ctx = null;
  }

  status(): BindingStatus {
    return { state: this.ctx ? 'running' : 'stopped', counters: { ...this.counters }, gauges: { devices: this.sensors.size } };
  }

  /** Ingest things offer no actions or writes: nothing is ever queued for them. */
  deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    return Promise.resolve({ state: 'failed', error: `ingest devices take no ${item.kind === 'write' ? 'property writes' : 'actions'}` });
  }

  private context(): BindingContext {
    if (!this.ctx || !this.secret) throw new BindingUnavailableError('the ingest binding is not running', { binding: INGEST_BINDING });
    return this.ctx;
  }

  /** Records the device with onboarding if it never was (the caller approves it). */
  claim(deviceId: string, seenAs: string): void {
    if (!DEVICE_ID.test(deviceId)) throw new BadRequestError(`a device id matches ${DEVICE_ID.source}`);
    const ctx = this.context();
    if (ctx.admission(deviceId).state === 'unknown') ctx.requestAdmission({ deviceId, seenAs });
  }

  /** A token for an approved device; committed before it is handed out. */
  async issueToken(deviceId: string, ttlS = this.options.tokenTtlS): Promise<{ token: string; expiresAt: number; thingId: string }> {
    const ctx = this.context();
    if (ctx.admission(deviceId).state !== 'approved') throw new ForbiddenError(`device ${deviceId} is not approved`);
    const gen = this.gens.get(deviceId) ?? 1;
    if (!this.gens.has(deviceId)) {
      this.gens.set(deviceId, gen);
      ctx.store.put(`gen:${deviceId}`, gen);
    }
    await ctx.committed();
    this.counters.tokensIssued++;
    return { ...(await signDeviceToken(this.secret!, { deviceId, gen }, ctx.now(), ttlS)), thingId: ctx.thingId(deviceId) };
  }

  /** The device a token speaks for; ForbiddenError (403) otherwise. Counts refusals. */
  async authenticate(token: string): Promise<string> {
    const ctx = this.context();
    try {
      const claims = await verifyDeviceToken(this.secret!, token, ctx.now());
      const admission = ctx.admission(claims.deviceId).state;
      if (admission !== 'approved') throw new ForbiddenError(`device ${claims.deviceId} is ${admission === 'unknown' ? 'unknown' : admission}`);
      if (claims.gen !== (this.gens.get(claims.deviceId) ?? 1)) throw new ForbiddenError('device token revoked');
      return claims.deviceId;
    } catch (err) {
      this.counters.refusedForbidden++;
      throw err;
    }
  }

  /** Counts a request refused before its token was looked at (no or malformed Authorization). */
  refusedUnauthenticated(): void {
    this.counters.refusedUnauthenticated++;
  }

  refusedInvalid(): void {
    this.counters.refusedInvalid++;
  }

  /**
   * Stores a device's readings: new sensors extend its TD, values go to twin and history; resolves
   * once committed (ack after commit). Nothing is recorded when any reading is refused.
   */
  async ingest(deviceId: string, readings: readonly Reading[]): Promise<{ stored: number; thingId: string }> {
    const ctx = this.context();
    this.counters.requests++;
    const known = this.sensors.get(deviceId) ?? {};
    const next: Record<string, SensorType> = { ...known };
    try {
      for (const r of readings) {
        if (!SENSOR_NAME.test(r.sensor)) throw new BadRequestError(`sensor ${r.sensor}: name must match ${SENSOR_NAME.source}`);
        const type = typeOf(r.value);
        const had = next[r.sensor];
        if (had === undefined) next[r.sensor] = type;
        else if (had !== type) throw new BadRequestError(`sensor ${r.sensor} reports ${had} values, not ${type}`);
      }
      if (Object.keys(next).length > this.options.maxSensorsPerDevice) throw new BadRequestError(`device ${deviceId} would have more than ${this.options.maxSensorsPerDevice} sensors`);
    } catch (err) {
      this.counters.refusedInvalid++;
      throw err;
    }
    const thingId = ctx.thingId(deviceId);
    const grown = Object.keys(next).length !== Object.keys(known).length;
    if (grown || !ctx.hasThing(thingId)) {
      ctx.registerThing({ deviceId, nativeTd: ingestTd(deviceId, next), sleepy: true, push: false });
      this.sensors.set(deviceId, next);
      ctx.store.put(`sensors:${deviceId}`, next);
    } else {
      ctx.setOnline(thingId, true);
    }
    const byTs = new Map<number, Record<string, unknown>>();
    for (const r of readings) {
      const values = byTs.get(r.ts) ?? {};
      values[r.sensor] = r.value;
      byTs.set(r.ts, values);
    }
    for (const [ts, values] of byTs) ctx.reportProperties(thingId, values, ts);
    await ctx.committed();
    this.counters.readings += readings.length;
    return { stored: readings.length, thingId };
  }

  private bumpGen(deviceId: string): void {
    const gen = (this.gens.get(deviceId) ?? 1) + 1;
    this.gens.set(deviceId, gen);
    this.ctx?.store.put(`gen:${deviceId}`, gen);
  }
}

/** The native TD of an ingest device: one read-only, observable property per sensor seen. */
export function ingestTd(deviceId: string, sensors: Record<string, SensorType>): ThingDescription {
  const properties: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(sensors)) {
    properties[name] = { title: `sensor ${name}`, type, readOnly: true, observable: true, forms: [{ href: `ingest://${encodeURIComponent(deviceId)}/${name}`, op: ['readproperty', 'observeproperty'] }] };
  }
  return {
    '@context': ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1'],
    title: deviceId,
    description: 'A device posting readings in the TUM iotplatform format (POST /ingest)',
    securityDefinitions: { bearer_sc: { scheme: 'bearer', format: 'jwt', alg: 'HS256' } },
    security: 'bearer_sc',
    properties,
  };
}

/** The running ingest binding of a hub, if any (the APIs reach it through the hub's binding table). */
export function ingestOf(hub: unknown): IngestBinding | undefined {
  const b = (hub as { binding?: (name: string) => unknown }).binding?.(INGEST_BINDING);
  return b instanceof IngestBinding ? b : undefined;
}
