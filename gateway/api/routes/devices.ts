/**
 * Onboarding over HTTP (docs/api.md "Devices", docs/security.md): pending devices, every device's
 * state, approve / reject, a vendor's manifest (JSON or CSV) and revocation. Admins and operators
 * see and decide pending devices; importing a manifest and revoking credentials is for admins.
 * Answers carry DeviceView only: which credentials a device has, never their values.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/users.js';
import { DEVICE_VIEW_SCHEMA, deviceView, parseDeviceThingId } from '../../onboarding/device-view.js';
import { manifestFromCsv, manifestFromJson } from '../../onboarding/manifest.js';
import type { Onboarding } from '../../onboarding/onboarding.js';
import { ConflictError, ForbiddenError } from '../../../protocols/errors.js';
import { mustAdmin, type RouteDeps } from '../route-deps.js';

const DECIDERS: ReadonlySet<string> = new Set(['admin', 'operator']);

/** Seeing and deciding devices: admins and operators (not agents, not viewers). */
function mustDecide(deps: RouteDeps, req: FastifyRequest): Principal {
  const p = deps.principal(req);
  if (!DECIDERS.has(p.role)) throw new ForbiddenError(`role ${p.role} may not see or decide devices`);
  return p;
}

const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 300 } }, required: ['id'] } as const;
const hexBytes = (min: number, max: number) => ({ type: 'string', pattern: `^([0-9a-fA-F]{2}){${min},${max}}$` }) as const;
/** Credentials as an admin gives them on approval; manifestFromJson() checks them again as a manifest entry. */
const credentialsSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    oscore: {
      type: 'object', additionalProperties: false, required: ['masterSecret', 'recipientId'],
      properties: {
        masterSecret: hexBytes(16, 32), masterSalt: hexBytes(0, 32), senderId: hexBytes(0, 7), recipientId: hexBytes(0, 7), idContext: hexBytes(0, 32),
      },
    },
    bthomeKey: hexBytes(16, 16),
    publicKeySha256: hexBytes(32, 32),
  },
} as const;
const manifestJsonSchema = { type: 'array', minItems: 1, items: { type: 'object' } } as const;

export async function deviceRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const onboarding = (): Onboarding => deps.hub.onboarding;
  /** A device by its thing id, for a route; DeviceNotFoundError when unknown. */
  const device = (id: string) => {
    const { binding, deviceId } = parseDeviceThingId(id);
    return onboarding().get(binding, deviceId);
  };

  app.get('/devices/pending', { schema: { response: { 200: { type: 'array', items: DEVICE_VIEW_SCHEMA } } } }, async (req) => {
    mustDecide(deps, req);
    return onboarding().list('pending').map(deviceView);
  });

  app.get('/devices', {
    schema: {
      querystring: { type: 'object', additionalProperties: false, properties: { state: { enum: ['pending', 'approved', 'rejected', 'revoked'] } } },
      response: { 200: { type: 'array', items: DEVICE_VIEW_SCHEMA } },
    },
  }, async (req) => {
    mustDecide(deps, req);
    const { state } = req.query as { state?: 'pending' | 'approved' | 'rejected' | 'revoked' };
    return onboarding().list(state).map(deviceView);
  });

  app.get('/devices/:id', { schema: { params: idParams, response: { 200: DEVICE_VIEW_SCHEMA } } }, async (req) => {
    mustDecide(deps, req);
    return deviceView(device((req.params as { id: string }).id));
  });

  app.post('/devices/pending/:id/approve', {
    schema: {
      params: idParams,
      body: {
        type: ['object', 'null'], additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, credentials: credentialsSchema },
      },
      response: { 200: DEVICE_VIEW_SCHEMA },
    },
  }, async (req) => {
    mustDecide(deps, req);
    const d = device((req.params as { id: string }).id);
    const body = (req.body ?? {}) as { name?: string; credentials?: { oscore?: Record<string, string>; bthomeKey?: string; publicKeySha256?: string } };
    let credentials;
    if (body.credentials) {
      // The same checks as a manifest entry (hex lengths, a kid with a secret).
      const [entry] = manifestFromJson([{ binding: d.binding, deviceId: d.deviceId, ...body.credentials }]);
      credentials = entry!.credentials;
    }
    return deviceView(onboarding().approve(d.binding, d.deviceId, credentials, body.name));
  });

  app.post('/devices/pending/:id/reject', { schema: { params: idParams, response: { 200: DEVICE_VIEW_SCHEMA } } }, async (req) => {
    mustDecide(deps, req);
    const d = device((req.params as { id: string }).id);
    if (d.state !== 'pending') {
      throw new ConflictError(`device ${d.deviceId} is ${d.state}, not pending${d.state === 'approved' ? ' (DELETE /devices/{id}/credentials cuts it off)' : ''}`);
    }
    return deviceView(onboarding().reject(d.binding, d.deviceId));
  });

  app.delete('/devices/:id/credentials', { schema: { params: idParams, response: { 200: DEVICE_VIEW_SCHEMA } } }, async (req) => {
    mustAdmin(deps, req);
    const d = device((req.params as { id: string }).id);
    return deviceView(onboarding().revoke(d.binding, d.deviceId));
  });

  // The manifest: its own context, so the CSV parser serves this route only.
  await app.register(async (sub) => {
    sub.removeContentTypeParser('text/plain');
    sub.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    sub.post('/devices/manifest', {
      schema: {
        body: { content: { 'application/json': { schema: manifestJsonSchema }, 'text/csv': { schema: { type: 'string', minLength: 1 } } } },
        response: { 200: { type: 'object', properties: { imported: { type: 'integer' }, devices: { type: 'array', items: { type: 'string' } } } } },
      },
    }, async (req) => {
      mustAdmin(deps, req);
      const entries = typeof req.body === 'string' ? manifestFromCsv(req.body) : manifestFromJson(req.body);
      const imported = onboarding().importManifest(entries);
      req.log.info({ imported }, 'device manifest imported');
      return { imported, devices: entries.map((e) => deviceView(onboarding().get(e.binding, e.deviceId)).id) };
    });
  });
}
