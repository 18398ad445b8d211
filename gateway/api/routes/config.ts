/**
 * GET /config and PATCH /config (RFC 7396 merge patch), admins only: the saved configuration
 * without its secrets (a Roost-Restart-Required header names what waits for a restart), and
 * changes applied live where they can be; PATCH answers {config, applied, restartRequired,
 * bindings} (config-service.ts). GET /config/schema answers the JSON Schemas a form is built
 * from: the config file's and each binding module's options, secrets marked `writeOnly`.
 */
import type { FastifyInstance } from 'fastify';
import { BINDING_MODULES } from '../../binding-registry.js';
import { configSchema } from '../../config/config-schema.js';
import { SECRET_KEY } from '../../config/config-service.js';
import { BadRequestError, ConfigInvalidError, RouteNotFoundError } from '../../../protocols/errors.js';
import { mustAdmin, type RouteDeps } from '../route-deps.js';

type Schema = Record<string, unknown>;

/** Subschemas a walk descends into (JSON Schema 2020-12 §10.3). */
const SUBSCHEMA_MAPS = ['properties', 'patternProperties'] as const;
const SUBSCHEMAS = ['items', 'additionalProperties'] as const;
const SUBSCHEMA_LISTS = ['oneOf', 'anyOf', 'allOf'] as const;

/** A copy of `schema` whose secret properties (the keys GET /config leaves out) say `writeOnly: true` (§9.4). */
export function markSecrets(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Schema = { ...(schema as Schema) };
  for (const key of SUBSCHEMA_MAPS) {
    const map = out[key] as Record<string, unknown> | undefined;
    if (!map || typeof map !== 'object') continue;
    out[key] = Object.fromEntries(Object.entries(map).map(([k, s]) => {
      const marked = markSecrets(s);
      return [k, SECRET_KEY.test(k) && marked && typeof marked === 'object' ? { ...marked, writeOnly: true } : marked];
    }));
  }
  for (const key of SUBSCHEMAS) if (key in out) out[key] = markSecrets(out[key]);
  for (const key of SUBSCHEMA_LISTS) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(markSecrets);
  return out;
}

/** The schemas of the config file and of every binding module's options (modules load once, on first ask). */
async function loadSchemas(): Promise<{ config: unknown; bindings: Record<string, unknown> }> {
  const bindings: Record<string, unknown> = {};
  for (const [name, load] of Object.entries(BINDING_MODULES)) bindings[name] = markSecrets((await load()).optionsSchema);
  return { config: markSecrets(configSchema), bindings };
}

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
  let schemas: ReturnType<typeof loadSchemas> | undefined;
  app.get('/config/schema', async (req) => {
    mustAdmin(deps, req);
    // A module that failed to load is asked again next time.
    schemas ??= loadSchemas().catch((err: unknown) => {
      schemas = undefined;
      throw err;
    });
    return schemas;
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
