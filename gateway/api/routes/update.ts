/**
 * POST /update takes a signed `.roostupd` as the raw request body, streamed (never buffered) into
 * the data dir, checked, then installed into the inactive A/B slot for one trial boot
 * (gateway/update); GET /update says how far it got. Admins only. `?force=true` allows a
 * downgrade; `?reboot=false` installs without rebooting.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { BadRequestError, PreconditionFailedError } from '../../../protocols/errors.js';
import type { UpdateService } from '../../update/update-service.js';
import { drainBody } from '../drain-body.js';
import { mustAdmin, type RouteDeps } from '../route-deps.js';

export const UPDATE_TYPE = 'application/vnd.roost.update';

const STATUS_SCHEMA = {
  type: 'object',
  properties: {
    state: { type: 'string' }, receivedBytes: { type: 'integer' }, totalBytes: { type: ['integer', 'null'] },
    release: { type: ['string', 'null'] }, arch: { type: ['string', 'null'] }, slot: { type: ['string', 'null'] }, rebooting: { type: 'boolean' },
    error: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' } } }, updatedAt: { type: 'integer' },
  },
} as const;

export async function updateRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const service = (): UpdateService => {
    if (!deps.update) throw new PreconditionFailedError('network updates are not available in this gateway');
    return deps.update;
  };

  app.get('/update', { schema: { response: { 200: STATUS_SCHEMA } } }, async (req) => {
    mustAdmin(deps, req);
    return service().status();
  });

  // The file is read as a stream, in a context of its own so other routes keep their JSON parsers.
  await app.register(async (raw) => {
    raw.addContentTypeParser([UPDATE_TYPE, 'application/octet-stream'], (_req, payload, done) => done(null, payload));
    raw.post('/update', {
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { force: { type: 'boolean', default: false }, reboot: { type: 'boolean', default: true } } },
        response: { 200: STATUS_SCHEMA },
      },
    }, async (req) => {
      mustAdmin(deps, req);
      const s = service();
      if (!(req.body instanceof Readable)) throw new BadRequestError(`the update file goes in the body as ${UPDATE_TYPE}`);
      const { force, reboot } = req.query as { force: boolean; reboot: boolean };
      const length = Number(req.headers['content-length']);
      try {
        return await s.upload(req.body, { force, reboot, ...(Number.isSafeInteger(length) ? { contentLength: length } : {}) });
      } catch (err) {
        await drainBody(req.body, deps.config.update.maxBytes);
        throw err;
      }
    });
  });
}
