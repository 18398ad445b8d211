/**
 * User management: admins list, create, change and remove users; every user may read itself and
 * change its own password. A password change or removal revokes the user's tokens (users.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MIN_PASSWORD_LENGTH, ROLES, USERNAME_PATTERN, type Role } from '../../auth/users.js';
import { ForbiddenError } from '../../../protocols/errors.js';
import { mustAdmin, type RouteDeps } from '../route-deps.js';

const userInfo = {
  type: 'object',
  properties: { username: { type: 'string' }, role: { type: 'string' }, createdAt: { type: 'integer' }, passwordChangedAt: { type: 'integer' } },
} as const;
const nameParams = { type: 'object', properties: { name: { type: 'string', pattern: USERNAME_PATTERN } }, required: ['name'] } as const;
const password = { type: 'string', minLength: MIN_PASSWORD_LENGTH, maxLength: 1024 } as const;
const role = { type: 'string', enum: ROLES } as const;

export async function userRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { users } = deps;
  /** The caller itself, or an admin. */
  const selfOrAdmin = (req: FastifyRequest, name: string) => {
    const p = deps.principal(req);
    if (p.role !== 'admin' && p.username !== name) throw new ForbiddenError(`role ${p.role} may manage only its own user`);
    return p;
  };

  app.get('/users', { schema: { response: { 200: { type: 'array', items: userInfo } } } }, async (req) => {
    mustAdmin(deps, req);
    return users.list();
  });

  app.post('/users', {
    schema: {
      body: {
        type: 'object', additionalProperties: false, required: ['username', 'password', 'role'],
        properties: { username: { type: 'string', pattern: USERNAME_PATTERN }, password, role },
      },
      response: { 201: userInfo },
    },
  }, async (req, reply) => {
    mustAdmin(deps, req);
    const body = req.body as { username: string; password: string; role: Role };
    await users.create(body.username, body.password, body.role);
    void reply.status(201).header('location', `/users/${encodeURIComponent(body.username)}`);
    return users.get(body.username);
  });

  app.get('/users/:name', { schema: { params: nameParams, response: { 200: userInfo } } }, async (req) => {
    const { name } = req.params as { name: string };
    selfOrAdmin(req, name);
    return users.get(name);
  });

  app.patch('/users/:name', {
    schema: {
      params: nameParams,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { password, role } },
    },
  }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const body = req.body as { password?: string; role?: Role };
    const p = selfOrAdmin(req, name);
    if (body.role !== undefined && p.role !== 'admin') throw new ForbiddenError('only an admin changes roles');
    users.get(name);
    if (body.role !== undefined) users.setRole(name, body.role);
    if (body.password !== undefined) await users.setPassword(name, body.password);
    return reply.status(204).send();
  });

  app.delete('/users/:name', { schema: { params: nameParams } }, async (req, reply) => {
    mustAdmin(deps, req);
    const { name } = req.params as { name: string };
    users.remove(name);
    return reply.status(204).send();
  });
}
