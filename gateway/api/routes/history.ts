/**
 * History of a thing: GET /things/{id}/history?name=&kind=&from=&to=&limit=&order=
 * and the per-affordance shortcuts GET /things/{id}/properties/{name}/history and
 * /things/{id}/events/{name}/history. `from` (inclusive) and `to` (exclusive) take epoch
 * milliseconds or an ISO 8601 date-time. `limit` defaults to 1000 and is capped by
 * store.maxHistoryQueryRows; `truncated` says the range held more rows. A removed thing's
 * history stays readable while retention keeps its rows.
 */
import type { FastifyInstance } from 'fastify';
import type { HistoryKind, HistoryRow } from '../../hub/types.js';
import { AffordanceNotFoundError, BadRequestError, RoostError } from '../../../protocols/errors.js';
import type { RouteDeps } from '../route-deps.js';

const DEFAULT_LIMIT = 1000;

const when = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', format: 'date-time' }] } as const;
const rangeQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    from: when, to: when,
    limit: { type: 'integer', minimum: 1 },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
  },
} as const;
const historyQuery = {
  ...rangeQuery,
  properties: { ...rangeQuery.properties, name: { type: 'string', minLength: 1 }, kind: { type: 'string', enum: ['property', 'event'] } },
} as const;
const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] } as const;
const idNameParams = { type: 'object', properties: { id: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } }, required: ['id', 'name'] } as const;

interface RangeQuery { from?: number | string; to?: number | string; limit?: number; order: 'asc' | 'desc'; name?: string; kind?: HistoryKind }

function epochMs(v: number | string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  // Query strings arrive as strings; all digits means epoch milliseconds.
  const ms = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new BadRequestError(`${what} is neither epoch milliseconds nor an ISO 8601 date-time`);
  return ms;
}

/** The affordance names of a live thing, or null when the thing is removed (history may remain). */
function affordances(deps: RouteDeps, thingId: string, kind: HistoryKind): Set<string> | null {
  try {
    const td = deps.hub.getThing(thingId).nativeTd;
    const map = td[kind === 'property' ? 'properties' : 'events'];
    return new Set(map && typeof map === 'object' ? Object.keys(map) : []);
  } catch (err) {
    if (err instanceof RoostError && err.key === 'THING_NOT_FOUND') return null;
    throw err;
  }
}

export async function historyRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const max = deps.config.store.maxHistoryQueryRows;

  const answer = (thingId: string, q: RangeQuery) => {
    const from = epochMs(q.from, 'from');
    const to = epochMs(q.to, 'to');
    if (from !== undefined && to !== undefined && to <= from) throw new BadRequestError('to must be later than from');
    if (q.name !== undefined && q.kind !== undefined) {
      const names = affordances(deps, thingId, q.kind);
      if (names && !names.has(q.name)) throw new AffordanceNotFoundError(`${thingId} has no ${q.kind} ${q.name}`);
    }
    const limit = Math.min(q.limit ?? DEFAULT_LIMIT, max);
    // One row more than asked tells whether the range was cut.
    const rows: HistoryRow[] = deps.hub.history({
      thingId, limit: limit + 1, order: q.order,
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.kind !== undefined ? { kind: q.kind } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    });
    const truncated = rows.length > limit;
    return {
      thingId,
      truncated,
      items: rows.slice(0, limit).map((r) => ({ name: r.name, kind: r.kind, ts: r.ts, time: new Date(r.ts).toISOString(), value: r.value })),
    };
  };

  app.get('/things/:id/history', { schema: { params: idParams, querystring: historyQuery } }, async (req) => {
    const { id } = req.params as { id: string };
    return answer(id, req.query as RangeQuery);
  });
  app.get('/things/:id/properties/:name/history', { schema: { params: idNameParams, querystring: rangeQuery } }, async (req) => {
    const { id, name } = req.params as { id: string; name: string };
    return answer(id, { ...(req.query as RangeQuery), name, kind: 'property' });
  });
  app.get('/things/:id/events/:name/history', { schema: { params: idNameParams, querystring: rangeQuery } }, async (req) => {
    const { id, name } = req.params as { id: string; name: string };
    return answer(id, { ...(req.query as RangeQuery), name, kind: 'event' });
  });
}
