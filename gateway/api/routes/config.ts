/**
 * GET /config and PATCH /config (RFC 7396 merge patch), admins only: the saved configuration
 * without its secrets (a Roost-Restart-Required header names what waits for a restart), and
 * changes applied live where they can be; PATCH answers {config, applied, restartRequired,
 * bindings} (config-service.ts).
 */
import type { FastifyInstance } from 'fastify';
import { BadRequestError, ConfigInvalidError, RouteNotFoundError } from '../../../protocols/errors.js';
import { mustAdmin, type RouteDeps } from '../route-deps.js';

export async function configRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const service = () => {
    const s = deps.admin?.config;
    if (!s) throw new RouteNotFoundError('no configuration service in this gateway');
    return s;
  };
  app.get('/config', async (req, reply) => {
    mustAdmin(deps, req);
    const { config, restartRequired } = service().get();
    if (restartRequired.length > 0) void reply.header('roost-restart-required', restartRequired.join(', '));
    return config;
  });
  app.patch('/config', { schema: { body: { type: 'object' } } }, async (req) => {
    mustAdmin(deps, req);
    try {
      return await service().patch(req.body);
    } catch (err) {
      // The same schema message as at start, but here a bad patch is the client's error (400), not the gateway's (500).
      if (err instanceof ConfigInvalidError) throw new BadRequestError(err.message, err.details);
      throw err;
    }
  });
}
