/**
 * W3C WoT Discovery Thing Description Directory, read side: GET /things (offset/limit
 * pagination with Link rel="next"/"canonical") and GET /things/{id}, application/td+json.
 * Every GET also answers HEAD (fastify exposes HEAD for GET routes).
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../route-deps.js';

/** Largest page of /things whatever the client asks. */
const MAX_PAGE_SIZE = 500;

export async function directoryRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/things', {
    schema: {
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { offset: { type: 'integer', minimum: 0, default: 0 }, limit: { type: 'integer', minimum: 1, default: 100 } },
      },
    },
  }, async (req, reply) => {
    const q = req.query as { offset: number; limit: number };
    const limit = Math.min(q.limit, MAX_PAGE_SIZE);
    const { items, total } = deps.hub.listThings({ offset: q.offset, limit });
    const links = ['</things>; rel="canonical"'];
    if (q.offset + items.length < total) links.push(`</things?offset=${q.offset + items.length}&limit=${limit}>; rel="next"`);
    void reply.header('link', links.join(', ')).header('x-total-count', String(total)).type('application/ld+json');
    return JSON.stringify(items.map((t) => t.consumerTd));
  });

  app.get('/things/:id', {
    schema: { params: { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] } },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    void reply.type('application/td+json');
    return JSON.stringify(deps.hub.getThing(id).consumerTd);
  });
}
