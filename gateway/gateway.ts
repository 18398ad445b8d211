/**
 * The composition root: opens the store, builds the hub, starts the APIs and the configured
 * bindings, and stops it all in reverse order (flushing history) on stop().
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Binding } from './binding.js';
import { startApi } from './api/server.js';
import { Users } from './auth/users.js';
import { BindingHost } from './binding-host.js';
import type { BindingLoader } from './binding-registry.js';
import { resolveConfig, type RoostConfig } from './config/config.js';
import { createFirmware, type Firmware } from './firmware/index.js';
import { Hub } from './hub/hub.js';
import type { MetricSource } from './metrics/metric-sample.js';
import { MqttAuth } from './mqtt/auth.js';
import { DEFAULT_MQTT_OPTIONS, startMqttBroker, type MqttBroker } from './mqtt/broker.js';
import { createLogger } from './logger.js';
import { AvailabilityTracker } from './mqtt/availability-tracker.js';
import { Uplink } from './uplink/uplink.js';
import { openDatabase, type Db } from './store/database.js';
import type { HubEndpoints } from './td/consumer-td.js';

export interface StartOptions {
  /** Raw config (file contents or a partial object); defaults fill the rest. */
  config?: unknown;
  /** Overrides config.dataDir. */
  dataDir?: string;
  logger?: Logger;
  extraBindings?: Binding[];
  /** Overrides the binding module table (tests). */
  bindingModules?: Readonly<Record<string, BindingLoader>>;
  now?: () => number;
}

/** What the API layer gives back when it listens. */
export interface ApiHandle {
  httpUrl: string;
  /** The HTTP server, for upgrades on the same port (MQTT over WebSocket at /mqtt). */
  httpServer?: import('node:http').Server;
  mqttUrl?: string;
  close(): Promise<void>;
}

export interface Gateway {
  readonly config: RoostConfig;
  readonly hub: Hub;
  readonly store: { db: Db };
  readonly logger: Logger;
  readonly dataDir: string;
  readonly httpUrl: string | undefined;
  readonly mqttUrl: string | undefined;
  binding(name: string): Binding | undefined;
  restartBinding(name: string): ReturnType<BindingHost['restart']>;
  stop(): Promise<void>;
}

function advertisedHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? hostname() : host;
}

/** Endpoints written into consumer TDs before the APIs listen (fixed ports) or after (port 0). */
export function configuredEndpoints(c: RoostConfig, httpPort = c.http.port, mqttPort = c.mqtt.port): HubEndpoints {
  const e: HubEndpoints = { httpBase: c.http.publicBaseUrl ?? `http://${advertisedHost(c.http.host)}:${httpPort}` };
  if (c.mqtt.enabled) e.mqttBase = c.mqtt.publicBaseUrl ?? `mqtt://${advertisedHost(c.mqtt.host)}:${mqttPort}`;
  return e;
}

export async function startGateway(opts: StartOptions = {}): Promise<Gateway> {
  const config = resolveConfig(opts.config ?? {});
  if (opts.dataDir) config.dataDir = opts.dataDir;
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logger = opts.logger ?? createLogger(config.log.level);
  const db = openDatabase({ dataDir, synchronous: config.store.synchronous });
  const hubOpts = { db, config, logger, endpoints: configuredEndpoints(config), ...(opts.now ? { now: opts.now } : {}) };
  const hub = new Hub(hubOpts);
  const host = new BindingHost({
    hub, config, logger, dataDir,
    ...(opts.extraBindings ? { extraBindings: opts.extraBindings } : {}),
    ...(opts.bindingModules ? { modules: opts.bindingModules } : {}),
  });
  let api: ApiHandle | null = null;
  const availability = new AvailabilityTracker({
    hub, options: config.availability, awakeWindowMs: config.queue.awakeWindowMs, now: hub.now, logger: logger.child({ module: 'availability' }),
  });
  // PATCH /config will start, stop and reconfigure the uplink; today it comes from the config file.
  const uplink = config.uplink.enabled
    ? new Uplink({ hub, db, config: config.uplink, gatewayId: config.uplink.gatewayId ?? hostname(), logger: logger.child({ module: 'uplink' }), syncWaitMs: config.http.syncWaitMs })
    : null;
  const firmware = createFirmware({ hub, db, config, dataDir, logger: logger.child({ module: 'firmware' }), now: hub.now });
  try {
    await host.load();
    api = await startApis({ hub, config, logger, db, metrics: uplink ? [() => uplink.metrics()] : [], firmware });
    if (api) {
      const http = new URL(api.httpUrl);
      const mqtt = api.mqttUrl ? new URL(api.mqttUrl) : undefined;
      hub.setEndpoints(configuredEndpoints(config, Number(http.port), mqtt ? Number(mqtt.port) : config.mqtt.port));
    }
    hub.startTimers();
    availability.start();
    uplink?.start();
    await host.startAll();
    firmware.campaigns.start();
  } catch (err) {
    firmware.campaigns.stop();
    availability.stop();
    await uplink?.stop().catch(() => undefined);
    await host.stopAll().catch(() => undefined);
    await api?.close().catch(() => undefined);
    hub.close();
    db.close();
    throw err;
  }
  logger.info({ dataDir, http: api?.httpUrl, mqtt: api?.mqttUrl, bindings: host.names() }, 'roost gateway started');

  let stopping: Promise<void> | null = null;
  return {
    config,
    hub,
    store: { db },
    logger,
    dataDir,
    httpUrl: api?.httpUrl,
    mqttUrl: api?.mqttUrl,
    binding: (name) => host.get(name),
    restartBinding: (name) => host.restart(name),
    stop(): Promise<void> {
      stopping ??= (async () => {
        firmware.campaigns.stop();
        availability.stop();
        await host.stopAll();
        await api?.close();
        // After the bindings: what they reported last is committed and may still go up.
        hub.historyStore.flush();
        await uplink?.stop();
        hub.close();
        db.close();
        logger.info('roost gateway stopped');
      })();
      return stopping;
    },
  };
}

/**
 * Starts the HTTP API (gateway/api), then the MQTT broker (gateway/mqtt) on its own port and over
 * WebSocket at /mqtt on the HTTP port; the handle's close() stops both.
 */
async function startApis(deps: { hub: Hub; config: RoostConfig; logger: Logger; db: Db; metrics: MetricSource[]; firmware: Firmware }): Promise<ApiHandle | null> {
  const { config } = deps;
  const users = new Users(deps.db, config.auth.tokenTtlS);
  await users.ensureAdmin(config.auth.adminUser, config.auth.adminPassword, deps.logger, (line) => process.stderr.write(`${line}\n`));
  const metricSources: MetricSource[] = [...deps.metrics];
  const http = await startApi({ hub: deps.hub, config, logger: deps.logger, users, metricSources, firmware: deps.firmware });
  if (!config.mqtt.enabled) return http;
  let mqtt: MqttBroker;
  try {
    mqtt = await startMqttBroker({
      hub: deps.hub,
      logger: deps.logger,
      httpServer: http.httpServer,
      auth: new MqttAuth({
        users,
        verifierAt: (at) => new Users(deps.db, config.auth.tokenTtlS, () => at),
      }),
      options: {
        ...DEFAULT_MQTT_OPTIONS,
        host: config.mqtt.host,
        port: config.mqtt.port,
        websocket: config.mqtt.websocket,
        maxPacketBytes: config.mqtt.maxPacketBytes,
        authCheckIntervalMs: config.mqtt.authCheckIntervalMs,
        syncWaitMs: config.http.syncWaitMs,
        maxJsonDepth: config.http.maxJsonDepth,
        busBuffer: config.bus.subscriberBuffer,
      },
      // The retained TDs published at start must carry the ports actually bound.
      beforePublish: (mqttUrl) => deps.hub.setEndpoints(configuredEndpoints(config, Number(new URL(http.httpUrl).port), Number(new URL(mqttUrl).port))),
    });
  } catch (err) {
    await http.close();
    throw err;
  }
  metricSources.push(mqtt.metrics);
  return {
    ...http,
    mqttUrl: mqtt.url,
    close: async () => {
      await mqtt.close();
      await http.close();
    },
  };
}
