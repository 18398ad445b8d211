/**
 * The HTTP server (fastify), built apart from listen() so tests can inject. So far it serves the
 * anonymous /healthz and POST /auth/token; the authenticated resources of the API issue plug in
 * here as one fastify plugin each. Errors are RFC 7807 problem+json with the stable code.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RoostConfig } from '../config/config.js';
import type { ApiHandle } from '../gateway.js';
import type { HubApi } from '../hub/hub-api.js';
import { BadRequestError, RouteNotFoundError, UnauthenticatedError } from '../../protocols/errors.js';
import { httpError, onClientError, sendProblem } from './http-errors.js';
import { httpReadOptions } from './http-options.js';
import { jsonDeeperThan } from './json-depth.js';
import { lazySchemaCompilers, type LazySchemaCompilers } from './lazy-schema-compilers.js';
import { AUTHED_ROUTES, DEVICE_ROUTES } from './routes/index.js';
import type { AdminControls, RouteDeps } from './route-deps.js';
import type { GatewayTls } from '../tls/gateway-tls.js';
import { httpsRedirect } from '../tls/https-redirect.js';
import type { Principal } from '../auth/users.js';
import type { Users } from '../auth/users.js';
import { loginMetrics } from '../auth/login-throttle.js';
import type { MetricSource } from '../metrics/metric-sample.js';
import type { Firmware } from '../firmware/index.js';
import type { RuleService } from '../rules/rule-service.js';
import { uiRoutes } from '../ui/ui-routes.js';
import { ConnectionLimits, limitConnections } from '../net/connection-limits.js';
import type { UpdateService } from '../update/update-service.js';

export interface ApiDeps {
  hub: HubApi;
  config: RoostConfig;
  logger: Logger;
  users: Users;
  /** Extra samples for /metrics (the MQTT broker adds its own once it starts). */
  metricSources?: MetricSource[];
  /** HTTPS on tls.httpsPort with this certificate (and plain HTTP as http.enabled says). */
  tls?: GatewayTls;
  /** Gateway administration for /config and /gateway/* (config API, TLS, detection). */
  admin?: AdminControls;
  /** Firmware images and campaigns (routes/firmware.ts); absent, those routes are not served. */
  firmware?: Firmware;
  /** Network updates (routes/update.ts). */
  update?: UpdateService;
  /** Rules and notifications (routes/rules.ts); absent, /rules is not served. */
  rules?: RuleService;
  /** More fields for /healthz (hardware detection). */
  health?: () => Record<string, unknown>;
}

/** Longest path segment (a percent-encoded thing id, a name); longer is a 414 (find-my-way's default is 100). */
export const MAX_PATH_SEGMENT = 4096;

/** JSON under every media type the API reads (TDs and merge patches have their own, WoT Discovery). */
const JSON_TYPES = ['application/json', 'application/td+json', 'application/merge-patch+json', 'application/ld+json'];

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Route schemas of each app built here, compiled at each route's first request (lazy-schema-compilers.ts). */
const schemaCompilers = new WeakMap<FastifyInstance, LazySchemaCompilers>();

/** Compiles the route schemas of a ready app that no request has compiled yet (tests: a bad schema fails here). */
export function compilePendingSchemas(app: FastifyInstance): number {
  return schemaCompilers.get(app)?.compilePending() ?? 0;
}

export function buildApp(deps: ApiDeps, serverFactory?: (handler: Handler) => HttpServer): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ module: 'http' });
  const compilers = lazySchemaCompilers();
  // removeAdditional off: an unknown query parameter or body field is a 400, not silently dropped.
  const app = Fastify({
    loggerInstance, bodyLimit: deps.config.http.maxBodyBytes, logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: { compilersFactory: compilers.compilersFactory },
    routerOptions: { maxParamLength: MAX_PATH_SEGMENT },
    // A malformed percent-escape or an over-long segment, caught by the router before any route.
    frameworkErrors: (err, _req, reply) => sendProblem(reply, httpError(err)),
    clientErrorHandler: onClientError,
    ...(serverFactory ? { serverFactory } : {}),
  });
  schemaCompilers.set(app, compilers);
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const e = httpError(err);
    if (e.httpStatus >= 500) deps.logger.error({ err }, 'request failed');
    void sendProblem(reply, e);
  });
  app.setNotFoundHandler((req) => {
    throw new RouteNotFoundError(`no resource ${req.method} ${req.url.split('?')[0] ?? ''}`);
  });
  // Nesting is bounded before parsing: deeper JSON would overflow the stack of whatever walks it next.
  const { maxJsonDepth } = httpReadOptions(deps.config);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDeeperThan(text, maxJsonDepth)) {
      done(new BadRequestError(`JSON nested deeper than ${maxJsonDepth} levels (http.maxJsonDepth)`), undefined);
      return;
    }
    parseJson(req, text, done);
  });
  app.post('/auth/token', {
    schema: {
      body: {
        type: 'object', additionalProperties: false, required: ['username', 'password'],
        properties: { username: { type: 'string', minLength: 1, maxLength: 128 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
      },
      response: { 200: { type: 'object', properties: { token: { type: 'string' }, expiresIn: { type: 'integer' } } } },
    },
  }, async (req) => {
    const { username, password } = req.body as { username: string; password: string };
    return deps.users.login(username, password, req.ip);
  });
  const principals = new WeakMap<object, Principal>();
  // Everything registered after this hook needs a bearer token (or an anonymous directory, if configured).
  void app.register(async (authed) => {
    authed.addHook('onRequest', async (req) => {
      const path = req.url.split('?')[0] ?? '';
      if (deps.config.auth.anonymousDirectory && (req.method === 'GET' || req.method === 'HEAD') && (/^\/things(\/[^/]+)?$/.test(path) || path === '/.well-known/wot')) return;
      const header = req.headers.authorization ?? '';
      const m = /^Bearer (\S+)$/i.exec(header);
      if (!m?.[1]) throw new UnauthenticatedError('missing bearer token');
      principals.set(req, await deps.users.verify(m[1]));
    });
    // The caller's list, kept by reference: sources it adds later (the MQTT broker's) are scraped too.
    const metricSources = deps.metricSources ?? [];
    metricSources.push(() => loginMetrics(deps.users.loginCounters));
    const routeDeps: RouteDeps = {
      hub: deps.hub,
      config: deps.config,
      users: deps.users,
      metricSources,
      ...(deps.admin ? { admin: deps.admin } : {}),
      ...(deps.firmware ? { firmware: deps.firmware } : {}),
      ...(deps.rules ? { rules: deps.rules } : {}),
      ...(deps.update ? { update: deps.update } : {}),
      principal: (req) => {
        const p = principals.get(req);
        if (!p) throw new UnauthenticatedError('missing bearer token');
        return p;
      },
    };
    for (const plugin of AUTHED_ROUTES) await plugin(authed, routeDeps);
  });
  // Device ingest (routes/ingest.ts) checks device tokens itself: outside the bearer hook, and no user principal.
  void app.register(async (devices) => {
    const noUser = (): Principal => { throw new UnauthenticatedError('no user on a device route'); };
    for (const plugin of DEVICE_ROUTES) await plugin(devices, { hub: deps.hub, config: deps.config, users: deps.users, metricSources: [], principal: noUser });
  });
  // The web UI's static files: anonymous, outside the bearer hook (the page's data calls carry the token).
  void app.register(uiRoutes);
  app.get('/healthz', {
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            status: { type: 'string' }, bindings: { type: 'object', additionalProperties: { type: 'string' } },
            detected: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, binding: { type: ['string', 'null'] }, decision: { type: 'string' }, reason: { type: 'string' } } } },
          },
        },
      },
    },
  }, async () => {
    const bindings = Object.fromEntries(Object.entries(deps.hub.bindingStatuses()).map(([n, s]) => [n, s.state]));
    return { status: 'ok', bindings, ...deps.health?.() };
  });
  return app;
}

/** The port a server listens on, or null before it listens. */
function portOf(server: HttpServer | HttpsServer | null): number | null {
  const addr = server?.address();
  return addr && typeof addr === 'object' ? addr.port : null;
}

function urlOf(server: HttpServer | HttpsServer, scheme: string, host: string): string {
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Listens on http.host: plain HTTP on http.port unless http.enabled is false, and HTTPS on
 * tls.httpsPort when a certificate is given; both serve the same fastify app. Answers the URLs.
 */
export async function startApi(deps: ApiDeps): Promise<ApiHandle> {
  const { config, tls } = deps;
  const plainOn = config.http.enabled || !tls;
  let https: HttpsServer | null = null;
  // HTTP and HTTPS (and MQTT over WebSocket on them) share one bound (gateway/net/connection-limits.ts).
  const limits = new ConnectionLimits({ maxConnections: config.http.maxConnections, maxConnectionsPerSource: config.http.maxConnectionsPerSource });
  const onRefused = (reason: string, address: string | undefined): void => deps.logger.debug({ reason, address }, 'http connection refused');
  deps.metricSources?.push(() => limits.metrics('http'));
  const app: FastifyInstance = buildApp(deps, (handler) => {
    if (tls) {
      https = createHttpsServer({ ...tls.current() }, handler);
      tls.onChange((m) => https?.setSecureContext({ ...m }));
      limitConnections(https, limits, onRefused);
    }
    if (!plainOn) return https as unknown as HttpServer;
    const plain = createHttpServer(config.http.redirectToHttps && tls ? httpsRedirect((req, res) => app.routing(req, res), () => portOf(https)) : handler);
    limitConnections(plain, limits, onRefused);
    return plain;
  });
  const host = config.http.host;
  await app.listen({ host, port: plainOn ? config.http.port : (tls?.current() ? config.tls.httpsPort : 0) });
  const secure = https as HttpsServer | null;
  if (secure && plainOn) {
    await new Promise<void>((resolve, reject) => {
      secure.once('error', reject);
      secure.listen(config.tls.httpsPort, host, () => resolve());
    });
  }
  const httpsUrl = secure ? urlOf(secure, 'https', host) : undefined;
  return {
    httpUrl: plainOn ? urlOf(app.server, 'http', host) : httpsUrl!,
    httpServer: plainOn ? app.server : undefined,
    ...(secure ? { httpsUrl, httpsServer: secure } : {}),
    close: async () => {
      if (secure && plainOn) {
        secure.closeAllConnections();
        await new Promise<void>((resolve) => secure.close(() => resolve()));
      }
      await app.close();
    },
  };
}
