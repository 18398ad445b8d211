/**
 * W3C WoT Discovery Thing Description Directory (FACTS.md, "W3C WoT Discovery TDD API"):
 * GET /things (offset/limit pagination with Link rel="next"/"canonical"), GET /things/{id}
 * (application/td+json), PUT /things/{id} (201 created, 204 replaced), POST /things (anonymous
 * TD, 201 + Location), PATCH /things/{id} (application/merge-patch+json, 204), DELETE (204),
 * and the directory's own TD at /.well-known/wot. Every GET also answers HEAD (fastify exposes
 * HEAD for GET routes). Changes need the operator, agent or admin role; only TDs registered
 * through this API can be replaced or patched (a binding's TD comes from its device).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnsupportedMediaTypeError } from '../../../protocols/errors.js';
import type { ThingDescription } from '../../binding.js';
import { thingPath } from '../../td/consumer-td.js';
import { mustChange, type RouteDeps } from '../route-deps.js';

/** Largest page of a listing whatever the client asks. */
export const MAX_PAGE_SIZE = 500;

/** offset/limit of a listing (the directory's, and the status listing's). */
export const pageQuery = {
  type: 'object', additionalProperties: false,
  properties: { offset: { type: 'integer', minimum: 0, default: 0 }, limit: { type: 'integer', minimum: 1, default: 100 } },
} as const;

const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 1024 } }, required: ['id'] } as const;
const tdBody = { type: 'object' } as const;
const TD_TYPES = ['application/td+json', 'application/json'];
const PATCH_TYPES = ['application/merge-patch+json', 'application/json'];

/** Checked before the body schema, so a TD sent as text/plain is a 415, not a 400. */
function mediaType(accepted: readonly string[]) {
  return async (req: FastifyRequest): Promise<void> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!accepted.includes(type)) throw new UnsupportedMediaTypeError(`send ${accepted.join(' or ')}, not '${type}'`);
  };
}

export async function directoryRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { hub } = deps;

  app.get('/.well-known/wot', async (_req, reply) => {
    void reply.type('application/td+json');
    return JSON.stringify(hub.directoryTd());
  });

  app.get('/things', {
    schema: { querystring: pageQuery },
  }, async (req, reply) => {
    const q = req.query as { offset: number; limit: number };
    const limit = Math.min(q.limit, MAX_PAGE_SIZE);
    const { items, total } = hub.listThings({ offset: q.offset, limit });
    const links = ['</things>; rel="canonical"'];
    if (q.offset + items.length < total) links.push(`</things?offset=${q.offset + items.length}&limit=${limit}>; rel="next"`);
    void reply.header('link', links.join(', ')).header('x-total-count', String(total)).type('application/ld+json');
    return JSON.stringify(items.map((t) => t.consumerTd));
  });

  app.get('/things/:id', { schema: { params: idParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    void reply.type('application/td+json');
    return JSON.stringify(hub.getThing(id).consumerTd);
  });

  app.put('/things/:id', { schema: { params: idParams, body: tdBody }, preValidation: mediaType(TD_TYPES) }, async (req, reply) => {
    mustChange(deps, req);
    const { id } = req.params as { id: string };
    const { created } = hub.putThing(id, req.body as ThingDescription);
    if (created) void reply.header('location', thingPath(id));
    return reply.status(created ? 201 : 204).send();
  });

  app.post('/things', { schema: { body: tdBody }, preValidation: mediaType(TD_TYPES) }, async (req, reply) => {
    mustChange(deps, req);
    const thing = hub.createThing(req.body as ThingDescription);
    return reply.status(201).header('location', thingPath(thing.id)).send();
  });

  app.patch('/things/:id', { schema: { params: idParams, body: tdBody }, preValidation: mediaType(PATCH_TYPES) }, async (req, reply) => {
    mustChange(deps, req);
    const { id } = req.params as { id: string };
    hub.patchThing(id, req.body as Record<string, unknown>);
    return reply.status(204).send();
  });

  app.delete('/things/:id', { schema: { params: idParams } }, async (req, reply) => {
    mustChange(deps, req);
    const { id } = req.params as { id: string };
    hub.deleteThing(id);
    return reply.status(204).send();
  });
}
