/**
 * Interactions as the consumer TDs' forms name them: read one property (the twin, or a live read
 * of an always-on device; never a value that breaks the TD: a typed 404 ROOST_ERR_NO_VALUE when
 * there is none) or all of them (the twin's values only),
 * write a property and invoke an action (through the action queue: 200 with the result when the
 * item completes within http.syncWaitMs, else 202 with the status resource in Location), read
 * and cancel an action's status. Writes and invocations need the operator or admin role.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActionView } from '../../hub/types.js';
import { httpReadOptions } from '../http-options.js';
import { mustChange as needsChangeRole, type RouteDeps } from '../route-deps.js';

const idName = { type: 'object', properties: { id: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } }, required: ['id', 'name'] };

export async function interactionRoutes(app: FastifyInstance, opts: RouteDeps): Promise<void> {
  const { hub } = opts;
  const syncWaitMs = opts.config.http.syncWaitMs;
  const { readTimeoutMs } = httpReadOptions(opts.config);
  const mustChange = (req: FastifyRequest) => needsChangeRole(opts, req);
  const answer = async (view: ActionView, reply: { status(n: number): unknown; header(k: string, v: string): unknown }) => {
    const done = await hub.waitForAction(view.id, syncWaitMs);
    // The status resource is named even for an immediate result, so a client can look it up later.
    reply.header('location', `/actions/${done.id}`);
    if (done.state === 'completed') return done.kind === 'action' ? (done.output ?? null) : null;
    reply.status(202);
    return done;
  };

  app.get('/things/:id/properties', async (req) => {
    const { id } = req.params as { id: string };
    return Object.fromEntries(Object.entries(hub.readAllProperties(id)).map(([n, v]) => [n, v.value]));
  });

  app.get('/things/:id/properties/:name', { schema: { params: idName } }, async (req, reply) => {
    const { id, name } = req.params as { id: string; name: string };
    const v = await hub.fetchProperty(id, name, { timeoutMs: readTimeoutMs });
    void reply.header('last-modified', new Date(v.ts).toUTCString());
    // A string answer would go out as text/plain, which consumers (node-wot) do not parse as JSON.
    void reply.type('application/json');
    return JSON.stringify(v.value);
  });

  app.put('/things/:id/properties/:name', { schema: { params: idName } }, async (req, reply) => {
    const p = mustChange(req);
    const { id, name } = req.params as { id: string; name: string };
    const out = await answer(hub.writeProperty(id, name, req.body, { requestedBy: p.username }), reply);
    if (out === null) void reply.status(204);
    return out === null ? undefined : out;
  });

  app.post('/things/:id/actions/:name', { schema: { params: idName } }, async (req, reply) => {
    const p = mustChange(req);
    const { id, name } = req.params as { id: string; name: string };
    const input = req.body === undefined || req.body === '' ? undefined : req.body;
    const out = await answer(hub.invokeAction(id, name, input, { requestedBy: p.username }), reply);
    // Serialised here so that an action without output answers the JSON `null`, not an empty body.
    void reply.type('application/json');
    return JSON.stringify(out);
  });

  app.get('/actions/:aid', async (req) => hub.getAction((req.params as { aid: string }).aid));

  app.delete('/actions/:aid', async (req) => {
    mustChange(req);
    return hub.cancelAction((req.params as { aid: string }).aid);
  });
}
