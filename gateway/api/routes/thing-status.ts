/**
 * What the TDs do not say: whether a thing is online, whether it sleeps, and what waits in its
 * action queue. GET /things/{id}/status for one thing; GET /status/things for a page of them
 * (offset/limit as in the directory listing), for dashboards and the web UI. Any role.
 */
import type { FastifyInstance } from 'fastify';
import type { HubApi } from '../../hub/hub-api.js';
import type { ThingRecord } from '../../hub/types.js';
import type { RouteDeps } from '../route-deps.js';
import { MAX_PAGE_SIZE, pageQuery } from './directory.js';


const statusSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, title: { type: 'string' }, binding: { type: 'string' }, deviceId: { type: 'string' },
    online: { type: 'boolean' }, sleepy: { type: 'boolean' }, createdAt: { type: 'integer' }, updatedAt: { type: 'integer' },
    actions: { type: 'object', properties: { queued: { type: 'integer' }, sent: { type: 'integer' } } },
  },
} as const;

export interface ThingStatus {
  id: string;
  title: string;
  binding: string;
  deviceId: string;
  online: boolean;
  sleepy: boolean;
  createdAt: number;
  updatedAt: number;
  /** Items of the thing's action queue waiting (`queued`) or on the device (`sent`). */
  actions: { queued: number; sent: number };
}

export function thingStatus(hub: HubApi, t: ThingRecord): ThingStatus {
  const actions = hub.activeActions(t.id);
  const title = typeof t.consumerTd['title'] === 'string' ? t.consumerTd['title'] : t.id;
  return { id: t.id, title, binding: t.binding, deviceId: t.deviceId, online: t.online, sleepy: t.sleepy, createdAt: t.createdAt, updatedAt: t.updatedAt, actions };
}

export async function thingStatusRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { hub } = deps;

  app.get('/things/:id/status', {
    schema: { params: { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] }, response: { 200: statusSchema } },
  }, async (req) => thingStatus(hub, hub.getThing((req.params as { id: string }).id)));

  app.get('/status/things', {
    schema: {
      querystring: pageQuery,
      response: { 200: { type: 'object', properties: { total: { type: 'integer' }, items: { type: 'array', items: statusSchema } } } },
    },
  }, async (req) => {
    const q = req.query as { offset: number; limit: number };
    const { items, total } = hub.listThings({ offset: q.offset, limit: Math.min(q.limit, MAX_PAGE_SIZE) });
    return { total, items: items.map((t) => thingStatus(hub, t)) };
  });
}
