/**
 * The authenticated resources of the HTTP API, one fastify plugin per resource, registered by
 * server.ts in this order behind the bearer hook.
 */
import type { RoutePlugin } from '../route-deps.js';
import { agentRoutes } from './agents.js';
import { backupRoutes } from './backup.js';
import { configRoutes } from './config.js';
import { deviceRoutes } from './devices.js';
import { deviceTokenRoutes } from './device-tokens.js';
import { directoryRoutes } from './directory.js';
import { eventRoutes } from './events.js';
import { firmwareRoutes } from './firmware.js';
import { historyRoutes } from './history.js';
import { identityRoutes } from './identity.js';
import { ingestRoutes } from './ingest.js';
import { interactionRoutes } from './interactions.js';
import { metricsRoutes } from './metrics.js';
import { ruleRoutes } from './rules.js';
import { thingStatusRoutes } from './thing-status.js';
import { updateRoutes } from './update.js';
import { userRoutes } from './users.js';

export const AUTHED_ROUTES: readonly RoutePlugin[] = [
  directoryRoutes,
  interactionRoutes,
  historyRoutes,
  thingStatusRoutes,
  userRoutes,
  backupRoutes,
  updateRoutes,
  deviceRoutes,
  deviceTokenRoutes,
  metricsRoutes,
  eventRoutes,
  firmwareRoutes,
  configRoutes,
  identityRoutes,
  ruleRoutes,
  agentRoutes,
];

/** Resources that authenticate on their own, outside the users' bearer hook (device ingest takes device tokens). */
export const DEVICE_ROUTES: readonly RoutePlugin[] = [ingestRoutes];
