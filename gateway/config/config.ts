/**
 * The gateway's configuration: one JSON or YAML file checked against config-schema.ts, defaults
 * for everything. Errors name the key and what was expected.
 */
import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigInvalidError } from '../../protocols/errors.js';
import type { BackupScheduleConfig } from '../backup/backup-schedule.js';
import type { DiskWatcherOptions } from '../disk/disk-watcher.js';
import type { UpdateOptions } from '../update/update-service.js';
import validateConfig from './config-schema-validate.js';

export interface RoostConfig {
  dataDir: string;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  http: {
    enabled: boolean; redirectToHttps: boolean; host: string; port: number; publicBaseUrl?: string; maxBodyBytes: number; syncWaitMs: number; readTimeoutMs: number; maxJsonDepth: number;
    maxConnections: number; maxConnectionsPerSource: number;
    events: { maxStreams: number; maxBufferedBytes: number; drainTimeoutMs: number; heartbeatMs: number; longpollTimeoutMs: number; maxReplay: number };
  };
  mqtt: {
    enabled: boolean; host: string; port: number; plain: boolean; tlsPort: number; publicBaseUrl?: string; websocket: boolean; maxPacketBytes: number; authCheckIntervalMs: number; maxQueuedBytesPerClient: number; drainTimeoutMs: number; connectTimeoutMs: number;
    maxStoredSessionsPerUser: number; maxQueuedPerSession: number; homeAssistantDiscovery: boolean; maxConnections: number; maxConnectionsPerSource: number;
  };
  availability: AvailabilityConfig;
  uplink: UplinkConfig;
  auth: { adminUser: string; adminPassword?: string; tokenTtlS: number; anonymousDirectory: boolean };
  onboarding: { defaultPolicy: 'approve' | 'manifest' | 'open'; policy: Record<string, 'approve' | 'manifest' | 'open'>; maxPending: number; maxOpenDevices: number };
  store: {
    synchronous: 'full' | 'normal';
    historyBatchMaxRows: number;
    historyBatchMaxMs: number;
    historyBufferMaxRows: number;
    historyMaxAgeDays: number;
    historyMaxRowsPerThing: number;
    retentionIntervalS: number;
    maxHistoryQueryRows: number;
    maxClockSkewMs: number;
    walAutocheckpointPages: number;
    journalSizeLimitBytes: number;
  };
  queue: {
    maxItemsPerThing: number;
    overflow: 'reject' | 'drop-oldest';
    defaultTtlMs: number;
    maxTtlMs: number;
    awakeWindowMs: number;
    deliveryTimeoutMs: number;
    resultTimeoutMs: number;
    maxAttempts: number;
    expiryIntervalMs: number;
    keepFinishedDays: number;
  };
  backup: BackupScheduleConfig;
  update: UpdateOptions;
  disk: DiskWatcherOptions;
  bus: { subscriberBuffer: number };
  rules: RulesConfig;
  tls: TlsConfig;
  detect: { enabled: boolean; sysDir: string; devDir: string; scanIntervalMs: number };
  discovery: DiscoveryConfig;
  bindings: Record<string, { enabled: boolean } & Record<string, unknown>>;
}

export interface TlsConfig { enabled: boolean; httpsPort: number; cert?: string; key?: string; hostnames: string[]; validityDays: number }

/** Limits of rules and notifications (docs/rules.md "Limits"). */
export interface RulesConfig {
  enabled: boolean; maxRules: number; maxFiresPerMinute: number; checkIntervalMs: number;
  webhookTimeoutMs: number; webhookRetries: number; webhookBackoffMs: number; maxWebhookBodyBytes: number; maxWebhooksInFlight: number;
}

export interface DiscoveryConfig { mdns: boolean; instanceName?: string; hostname?: string; interface?: string }

export interface AvailabilityConfig { missedWakes: number; sleepyIntervalMs: number; checkIntervalMs: number }

export interface UplinkConfig {
  enabled: boolean;
  url?: string;
  username?: string;
  password?: string;
  clientId?: string;
  gatewayId?: string;
  prefix: string;
  profile: 'roost' | 'hono';
  protocolVersion: 4 | 5;
  role: 'admin' | 'operator' | 'agent' | 'viewer';
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  keepaliveS: number;
  telemetryQos: 0 | 1;
  homeAssistantDiscovery: boolean;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  maxInFlight: number;
  replayShare: number;
  buffer: { maxBytes: number; maxAgeMs: number };
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Formats ajv errors as `key: expected` lines, e.g. `/http/port: must be integer`. */
export function describeErrors(errors: ErrorObject[] | null | undefined, prefix = ''): string {
  return (errors ?? [])
    .map((e) => {
      const where = `${prefix}${e.instancePath}` || '/';
      const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params['additionalProperty'])})` : '';
      const allowed = e.keyword === 'enum' ? ` (${(e.params['allowedValues'] as unknown[]).join(', ')})` : '';
      return `${where}: ${e.message ?? 'invalid'}${extra}${allowed}`;
    })
    .join('; ');
}

/** Applies defaults to a partial config and checks it. Throws ConfigInvalidError. */
export function resolveConfig(input: unknown, source = 'config'): RoostConfig {
  const copy: unknown = structuredClone(input ?? {});
  if (!validateConfig(copy)) {
    throw new ConfigInvalidError(`${source}: ${describeErrors(validateConfig.errors)}`, { errors: validateConfig.errors });
  }
  return copy as RoostConfig;
}

/** Reads a JSON or YAML config file (YAML is a superset of JSON). Throws ConfigInvalidError. */
export function loadConfigFile(path: string): RoostConfig {
  return resolveConfig(readConfigFile(path), path);
}

/** A config file's contents, parsed but without defaults (for layering, e.g. `roost start`'s defaults). */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigInvalidError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigInvalidError(`${path}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  return parsed ?? {};
}
