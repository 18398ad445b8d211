/**
 * The HTTP server (fastify), built apart from listen() so tests can inject. So far it serves the
 * one anonymous route, /healthz; the authenticated resources of the API issue plug in here as
 * one fastify plugin each.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RoostConfig } from '../config/config.js';
import type { ApiHandle } from '../gateway.js';
import type { HubApi } from '../hub/hub-api.js';

export interface ApiDeps {
  hub: HubApi;
  config: RoostConfig;
  logger: Logger;
}

export function buildApp(deps: ApiDeps): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ module: 'http' });
  const app = Fastify({ loggerInstance, bodyLimit: deps.config.http.maxBodyBytes, disableRequestLogging: true });
  app.get('/healthz', {
    schema: {
      response: {
        200: {
          type: 'object',
          properties: { status: { type: 'string' }, bindings: { type: 'object', additionalProperties: { type: 'string' } } },
        },
      },
    },
  }, async () => {
    const bindings = Object.fromEntries(Object.entries(deps.hub.bindingStatuses()).map(([n, s]) => [n, s.state]));
    return { status: 'ok', bindings };
  });
  return app;
}

/** Listens on http.host:http.port; answers the URL it listens on. */
export async function startApi(deps: ApiDeps): Promise<ApiHandle> {
  const app = buildApp(deps);
  await app.listen({ host: deps.config.http.host, port: deps.config.http.port });
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : deps.config.http.port;
  const host = deps.config.http.host.includes(':') ? `[${deps.config.http.host}]` : deps.config.http.host;
  return { httpUrl: `http://${host}:${port}`, close: () => app.close() };
}
