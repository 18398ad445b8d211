/**
 * What every authenticated route plugin gets: the hub, the config, the users and the
 * principal of the request (set by the bearer hook in server.ts), plus the role checks.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal, Users } from '../auth/users.js';
import type { AdminControls } from '../config/admin-controls.js';
import type { RoostConfig } from '../config/config.js';
import type { Firmware } from '../firmware/index.js';
import type { HubApi } from '../hub/hub-api.js';
import type { MetricSource } from '../metrics/metric-sample.js';
import type { RuleService } from '../rules/rule-service.js';
import type { UpdateService } from '../update/update-service.js';
import { ForbiddenError } from '../../protocols/errors.js';

export type { AdminControls };

export interface RouteDeps {
  hub: HubApi;
  config: RoostConfig;
  users: Users;
  metricSources: MetricSource[];
  /** Firmware images and campaigns (gateway/firmware), when the gateway runs them. */
  firmware?: Firmware;
  /** Gateway administration (/config, /gateway/*); absent in an API built without a gateway. */
  admin?: AdminControls;
  /** Network updates into the inactive A/B slot (POST /update); absent, those routes answer PRECONDITION_FAILED. */
  update?: UpdateService;
  /** Rules and notifications (gateway/rules), when the gateway runs them. */
  rules?: RuleService;
  /** The authenticated caller; throws UnauthenticatedError on an anonymous request. */
  principal(req: FastifyRequest): Principal;
}

export type RoutePlugin = (app: FastifyInstance, deps: RouteDeps) => Promise<void>;

const CAN_CHANGE: ReadonlySet<string> = new Set(['admin', 'operator', 'agent']);

/** Writes, invocations and directory changes: operators, agents and admins. */
export function mustChange(deps: RouteDeps, req: FastifyRequest): Principal {
  const p = deps.principal(req);
  if (!CAN_CHANGE.has(p.role)) throw new ForbiddenError(`role ${p.role} may read and subscribe only`);
  return p;
}

/** User management: admins only. */
export function mustAdmin(deps: RouteDeps, req: FastifyRequest): Principal {
  const p = deps.principal(req);
  if (p.role !== 'admin') throw new ForbiddenError(`role ${p.role} may not manage users`);
  return p;
}
