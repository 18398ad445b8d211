/**
 * Rules and notifications (docs/rules.md): admins and operators list, read, create, replace,
 * patch and delete rules; each answer carries the rule's status (when it last fired, why, its last
 * error). Bodies are checked against gateway/rules/rule-schema.ts here and again, whole, by the
 * service (a PATCH merged into the stored rule).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../../protocols/errors.js';
import type { Principal } from '../../auth/users.js';
import { RULE_ID_PATTERN, ruleProperties, ruleSchema } from '../../rules/rule-schema.js';
import type { RouteDeps } from '../route-deps.js';

const MANAGERS: ReadonlySet<string> = new Set(['admin', 'operator']);

function mustManageRules(deps: RouteDeps, req: FastifyRequest): Principal {
  const p = deps.principal(req);
  if (!MANAGERS.has(p.role)) throw new ForbiddenError(`role ${p.role} may not manage rules`);
  return p;
}

const nint = { type: ['integer', 'null'] } as const;
const open = { type: 'object', additionalProperties: true } as const;
const view = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, enabled: { type: 'boolean' },
    trigger: open, conditions: { type: 'array', items: open }, actions: { type: 'array', items: open },
    maxFiresPerMinute: { type: 'integer' }, createdBy: { type: 'string' }, role: { type: 'string' },
    createdAt: { type: 'integer' }, updatedAt: { type: 'integer' },
    status: {
      type: 'object',
      properties: {
        lastFiredAt: nint, lastFiring: { type: ['object', 'null'], additionalProperties: true }, lastError: { type: ['string', 'null'] }, lastErrorAt: nint,
        fires: { type: 'integer' }, errors: { type: 'integer' }, suppressed: { type: 'integer' }, failing: { type: 'boolean' },
      },
    },
  },
} as const;
const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: RULE_ID_PATTERN } } } as const;
// A merge patch (RFC 7396): any part of a rule, null removes a key; the service checks the merged rule.
const patchBody = { type: 'object', additionalProperties: false, properties: Object.fromEntries(['id', ...Object.keys(ruleProperties)].map((k) => [k, {}])) } as const;

export async function ruleRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const rules = deps.rules;
  if (!rules) return;
  const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

  app.get('/rules', { schema: { response: { 200: { type: 'array', items: view } } } }, async (req) => {
    mustManageRules(deps, req);
    return rules.list();
  });

  app.get('/rules/:id', { schema: { params, response: { 200: view } } }, async (req) => {
    mustManageRules(deps, req);
    return rules.get(idOf(req));
  });

  app.post('/rules', { schema: { body: ruleSchema, response: { 201: view } } }, async (req, reply) => {
    const p = mustManageRules(deps, req);
    const created = rules.create(req.body, p);
    void reply.status(201).header('location', `/rules/${created.id}`);
    return created;
  });

  app.put('/rules/:id', { schema: { params, body: ruleSchema, response: { 200: view, 201: view } } }, async (req, reply) => {
    const p = mustManageRules(deps, req);
    const { created, rule } = rules.replace(idOf(req), req.body, p);
    if (created) void reply.status(201).header('location', `/rules/${rule.id}`);
    return rule;
  });

  app.patch('/rules/:id', { schema: { params, body: patchBody, response: { 200: view } } }, async (req) => {
    const p = mustManageRules(deps, req);
    return rules.patch(idOf(req), req.body as Record<string, unknown>, p);
  });

  app.delete('/rules/:id', { schema: { params } }, async (req, reply) => {
    mustManageRules(deps, req);
    rules.remove(idOf(req));
    return reply.status(204).send();
  });
}
