/**
 * Agents over HTTP (docs/agents.md "HTTP"): the same messages as over MQTT, where every topic an
 * agent publishes, `agents/{agent}/things/...`, is `POST /agents/{agent}/things/...` with the
 * same JSON body, and `GET /agents/{agent}/items?waitMs=` is a long poll for the items MQTT would
 * publish to it. Both go to the one agent binding (gateway/agents/agent-binding.ts); HTTP adds
 * only the session that stands in for a connection (gateway/agents/http-agent-sessions.ts). A
 * refused message is the answer's problem+json (400, 403, 404, 429) instead of `agents/{agent}/errors`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AGENT_BINDING, AGENTS_ROOT, agentsOf, type AgentBinding } from '../../agents/agent-binding.js';
import { HttpAgentSessions } from '../../agents/http-agent-sessions.js';
import { BindingUnavailableError, ForbiddenError } from '../../../protocols/errors.js';
import type { RouteDeps } from '../route-deps.js';

export async function agentRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const binding = (): AgentBinding => {
    const b = agentsOf(deps.hub);
    if (!b) throw new BindingUnavailableError('the agent binding is not enabled (bindings.agent)', { binding: AGENT_BINDING });
    return b;
  };
  const sessions = new HttpAgentSessions(binding);
  app.addHook('onClose', async () => sessions.close());

  /** The agent the caller is, when it is the one the path names (else 403, counted). */
  const agentOf = (req: FastifyRequest): string => {
    const p = deps.principal(req);
    const agent = (req.params as { agent: string }).agent;
    if (p.role === 'agent' && p.username === agent) return agent;
    if (p.role === 'agent') binding().counters.refusedNotOwned++;
    throw new ForbiddenError(p.role === 'agent' ? `agent ${p.username} may not speak for ${agent}` : `role ${p.role} is no agent`);
  };

  app.post(`/${AGENTS_ROOT}/:agent/*`, {
    schema: {
      response: { 200: { type: 'object', properties: { id: { type: 'string' } } }, 204: { type: 'null' } },
    },
  }, async (req, reply) => {
    const agent = agentOf(req);
    const b = binding();
    sessions.touch(agent);
    const rest = (req.params as { '*': string })['*'].split('/');
    b.handle(agent, rest, req.body ?? null);
    // A registration answers the thing's id; every other message is taken with no body.
    if (rest.length === 3 && rest[0] === 'things' && rest[2] === 'td') return { id: b.thingIdOf(agent, rest[1]!) };
    return reply.code(204).send();
  });

  app.get(`/${AGENTS_ROOT}/:agent/items`, {
    schema: {
      querystring: { type: 'object', additionalProperties: false, properties: { waitMs: { type: 'integer', minimum: 0, default: 0 } } },
      response: {
        200: {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  device: { type: 'string' }, id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' },
                  input: {}, attempt: { type: 'integer' }, expiresAt: { type: 'integer' },
                },
              },
            },
          },
        },
      },
    },
  }, async (req, reply) => {
    const agent = agentOf(req);
    binding().count(agent);
    // A client that goes away mid-poll takes nothing with it: what comes next waits for its next poll.
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableEnded) gone.abort();
    });
    return { items: await sessions.poll(agent, (req.query as { waitMs: number }).waitMs, gone.signal) };
  });
}
