/**
 * Device tokens for ingest (docs/api.md "Device ingest"): `POST /devices/{id}/token`, admins only.
 * `{id}` is the device's thing id `urn:roost:ingest:{device}` (or the bare device id). The device
 * is recorded with onboarding and approved if it was not (an admin issuing it a token is the
 * decision), and the answer carries a JWT scoped to ingest only, whose `sub` is the device id.
 * Revoking the device (`DELETE /devices/{id}/credentials`) kills every token it was given.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequestError, BindingUnavailableError } from '../../../protocols/errors.js';
import { INGEST_BINDING, ingestOf } from '../../ingest/ingest-binding.js';
import { mustAdmin, type RouteDeps } from '../route-deps.js';

const PREFIX = `urn:roost:${INGEST_BINDING}:`;

export async function deviceTokenRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.post('/devices/:id/token', {
    schema: {
      params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 300 } }, required: ['id'] },
      body: {
        type: ['object', 'null'], additionalProperties: false,
        properties: { ttlS: { type: 'integer', minimum: 60, maximum: 10 * 365 * 86400 }, name: { type: 'string', minLength: 1, maxLength: 200 } },
      },
      response: {
        200: {
          type: 'object',
          properties: { id: { type: 'string' }, deviceId: { type: 'string' }, token: { type: 'string' }, expiresAt: { type: 'integer' }, scope: { type: 'string' } },
        },
      },
    },
  }, async (req) => {
    const p = mustAdmin(deps, req);
    const ingest = ingestOf(deps.hub);
    if (!ingest) throw new BindingUnavailableError('the ingest binding is not enabled (bindings.ingest)', { binding: INGEST_BINDING });
    const id = (req.params as { id: string }).id;
    if (id.startsWith('urn:') && !id.startsWith(PREFIX)) throw new BadRequestError(`device tokens are for ingest devices (${PREFIX}{device})`);
    const deviceId = id.startsWith(PREFIX) ? id.slice(PREFIX.length) : id;
    const body = (req.body ?? {}) as { ttlS?: number; name?: string };
    ingest.claim(deviceId, `device token requested by ${p.username}`);
    if (deps.hub.onboarding.admission(INGEST_BINDING, deviceId).state !== 'approved') {
      deps.hub.onboarding.approve(INGEST_BINDING, deviceId, undefined, body.name);
    }
    const t = await ingest.issueToken(deviceId, body.ttlS);
    req.log.info({ deviceId, by: p.username }, 'device token issued');
    return { id: t.thingId, deviceId, token: t.token, expiresAt: t.expiresAt, scope: 'ingest' };
  });
}
