/**
 * Firmware images and campaigns (docs/api.md "Firmware campaigns"): admins upload images
 * (`application/octet-stream`, streamed to the data directory, never held whole in memory), start
 * campaigns over LwM2M things and cancel them; every user may read images and progress.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { BadRequestError, ConflictError, ForbiddenError, UnsupportedMediaTypeError } from '../../../protocols/errors.js';
import { ITEM_STATES } from '../../firmware/campaign-store.js';
import { DEFAULT_CAMPAIGN_OPTIONS, type CampaignRequest } from '../../firmware/campaign-runner.js';
import type { Principal } from '../../auth/users.js';
import type { RouteDeps } from '../route-deps.js';

const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } as const;
const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const nint = { type: ['integer', 'null'] } as const;

const image = {
  type: 'object',
  properties: { id: str, name: str, version: str, size: { type: 'integer' }, sha256: str, createdAt: { type: 'integer' }, createdBy: nstr },
} as const;
const selection = {
  type: 'object', additionalProperties: false,
  properties: {
    targets: { type: 'array', minItems: 1, maxItems: DEFAULT_CAMPAIGN_OPTIONS.maxTargets, items: { type: 'string', minLength: 1, maxLength: 1024 } },
    filter: {
      type: 'object', additionalProperties: false,
      properties: { model: { type: 'string', minLength: 1, maxLength: 256 }, firmwareVersion: { type: 'string', minLength: 1, maxLength: 256 } },
    },
  },
} as const;
const campaign = {
  type: 'object',
  properties: {
    id: str, firmwareId: str, mode: str, concurrency: { type: 'integer' }, state: str, selection, ttlMs: nint, createdBy: nstr,
    createdAt: { type: 'integer' }, updatedAt: { type: 'integer' },
    counts: { type: 'object', properties: Object.fromEntries(ITEM_STATES.map((s) => [s, { type: 'integer' }])) },
  },
} as const;
const item = {
  type: 'object',
  properties: {
    thingId: str, state: str, actionId: nstr, step: nstr, result: nint, error: nstr, oldVersion: nstr, newVersion: nstr,
    startedAt: nint, updatedAt: { type: 'integer' },
  },
} as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

function mustAdminFirmware(deps: RouteDeps, req: FastifyRequest): Principal {
  const p = deps.principal(req);
  if (p.role !== 'admin') throw new ForbiddenError(`role ${p.role} may not manage firmware`);
  return p;
}

export async function firmwareRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const fw = deps.firmware;
  if (!fw) return;
  // Its own context: the raw-body parser applies to these routes only.
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

    scope.get('/firmware', { schema: { response: { 200: { type: 'array', items: image } } } }, async (req) => {
      deps.principal(req);
      return fw.images.list();
    });

    scope.post('/firmware', {
      schema: {
        querystring: {
          type: 'object', additionalProperties: false, required: ['name', 'version'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 128 }, version: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: { 201: image },
      },
    }, async (req, reply) => {
      const p = mustAdminFirmware(deps, req);
      const { name, version } = req.query as { name: string; version: string };
      // The context's other parsers (JSON, text) hand over a parsed value, not the stream of bytes.
      if (req.body === undefined || req.body === null) throw new BadRequestError('empty firmware image');
      if (!(req.body instanceof Readable)) throw new UnsupportedMediaTypeError(`the image goes in the body as application/octet-stream, not ${req.headers['content-type'] ?? 'nothing'}`);
      const length = req.headers['content-length'];
      const created = await fw.images.add(req.body, {
        name, version, createdBy: p.username, ...(length !== undefined ? { declaredBytes: Number(length) } : {}),
      });
      void reply.status(201).header('location', `/firmware/${created.id}`);
      return created;
    });

    scope.get('/firmware/:id', { schema: { params: idParams, response: { 200: image } } }, async (req) => {
      deps.principal(req);
      return fw.images.get((req.params as { id: string }).id);
    });

    scope.delete('/firmware/:id', { schema: { params: idParams } }, async (req, reply) => {
      mustAdminFirmware(deps, req);
      const { id } = req.params as { id: string };
      fw.images.get(id);
      if (fw.campaigns.usesImage(id)) throw new ConflictError(`firmware image ${id} is used by a running campaign`);
      fw.images.remove(id);
      return reply.status(204).send();
    });

    scope.post('/campaigns', {
      schema: {
        body: {
          type: 'object', additionalProperties: false, required: ['firmwareId', 'mode', 'concurrency'],
          properties: {
            firmwareId: ID, mode: { type: 'string', enum: ['push', 'pull'] },
            concurrency: { type: 'integer', minimum: 1, maximum: DEFAULT_CAMPAIGN_OPTIONS.maxConcurrency },
            ttlMs: { type: 'integer', minimum: 1000 },
            ...selection.properties,
          },
        },
        response: { 201: campaign },
      },
    }, async (req, reply) => {
      const p = mustAdminFirmware(deps, req);
      const created = fw.campaigns.create(req.body as CampaignRequest, p.username);
      void reply.status(201).header('location', `/campaigns/${created.id}`);
      return created;
    });

    scope.get('/campaigns', { schema: { response: { 200: { type: 'array', items: campaign } } } }, async (req) => {
      deps.principal(req);
      return fw.campaigns.list();
    });

    scope.get('/campaigns/:id', {
      schema: { params: idParams, response: { 200: { type: 'object', properties: { ...campaign.properties, items: { type: 'array', items: item } } } } },
    }, async (req) => {
      deps.principal(req);
      return fw.campaigns.get((req.params as { id: string }).id);
    });

    scope.post('/campaigns/:id/cancel', { schema: { params: idParams, response: { 200: campaign } } }, async (req) => {
      mustAdminFirmware(deps, req);
      return fw.campaigns.cancel((req.params as { id: string }).id);
    });
  });
}
