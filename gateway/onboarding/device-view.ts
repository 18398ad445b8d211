/**
 * What the APIs (HTTP, MQTT, UI, CLI) show of a device: its state and how it was seen, and of its
 * credentials only which kinds it has. Credentials themselves never leave the gateway
 * (docs/security.md): every surface goes through deviceView(), never a DeviceRecord.
 */
import { thingIdFor } from '../hub/directory.js';
import { BadRequestError } from '../../protocols/errors.js';
import type { DeviceRecord } from './device-store.js';

export interface CredentialFlags {
  oscore: boolean;
  bthomeKey: boolean;
  publicKeySha256: boolean;
}

export interface DeviceView {
  /** The thing id the device has (or will have once approved): `urn:roost:<binding>:<deviceId>`. */
  id: string;
  binding: string;
  deviceId: string;
  state: DeviceRecord['state'];
  name: string | null;
  seenAs: string | null;
  claims: Record<string, unknown> | null;
  source: DeviceRecord['source'];
  credentials: CredentialFlags;
  /** When it was first recorded (ms). */
  since: number;
  updatedAt: number;
}

export function credentialFlags(d: Pick<DeviceRecord, 'credentials'>): CredentialFlags {
  const c = d.credentials;
  return { oscore: c?.oscore !== undefined, bthomeKey: c?.bthomeKey !== undefined, publicKeySha256: c?.publicKeySha256 !== undefined };
}

export function deviceView(d: DeviceRecord): DeviceView {
  return {
    id: thingIdFor(d.binding, d.deviceId), binding: d.binding, deviceId: d.deviceId, state: d.state, name: d.name,
    seenAs: d.seenAs, claims: d.claims, source: d.source, credentials: credentialFlags(d), since: d.createdAt, updatedAt: d.updatedAt,
  };
}

/** JSON Schema of a DeviceView (fastify serialises answers through it: a field not named here is never sent). */
export const DEVICE_VIEW_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' }, binding: { type: 'string' }, deviceId: { type: 'string' }, state: { type: 'string' },
    name: { type: ['string', 'null'] }, seenAs: { type: ['string', 'null'] },
    claims: { type: ['object', 'null'], additionalProperties: true },
    source: { type: 'string' },
    credentials: {
      type: 'object',
      properties: { oscore: { type: 'boolean' }, bthomeKey: { type: 'boolean' }, publicKeySha256: { type: 'boolean' } },
    },
    since: { type: 'integer' }, updatedAt: { type: 'integer' },
  },
} as const;

/** `urn:roost:<binding>:<deviceId>` (the device id may hold colons) into its parts; BadRequestError otherwise. */
export function parseDeviceThingId(id: string): { binding: string; deviceId: string } {
  const m = /^urn:roost:([a-z][a-z0-9-]{0,31}):(.+)$/.exec(id);
  if (!m) throw new BadRequestError(`not a device thing id (urn:roost:<binding>:<deviceId>): ${id.slice(0, 200)}`);
  return { binding: m[1]!, deviceId: m[2]! };
}

