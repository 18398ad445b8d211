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
import type { RoostConfig } from './config/config.js';
import type { EdhocCredentialView } from './config/admin-controls.js';
import { newAdminPassword, openGatewayAdmin, resolveStartConfig, type GatewayAdmin } from './config/gateway-admin.js';
import { Discovery } from './discovery/discovery.js';
import { gatewayListeners } from './discovery/gateway-listeners.js';
import { createFirmware, type Firmware } from './firmware/index.js';
import { Hub } from './hub/hub.js';
import type { MetricSource } from './metrics/metric-sample.js';
import { MqttAuth } from './mqtt/auth.js';
import { PendingReplyStore } from './mqtt/pending-replies.js';
import { DEFAULT_MQTT_OPTIONS, startMqttBroker, type MqttBroker } from './mqtt/broker.js';
import { createLogger } from './logger.js';
import { AvailabilityTracker } from './mqtt/availability-tracker.js';
import { createRules, type Rules } from './rules/index.js';
import type { Uplink } from './uplink/uplink.js';
import { openDatabase, type Db } from './store/database.js';
import { applyPendingRestore } from './backup/backup-restore.js';
import { Maintenance } from './maintenance.js';
import type { SlotInstaller } from './update/slot-installer.js';
import type { HubEndpoints } from './td/consumer-td.js';
import type { UpdateService } from './update/update-service.js';

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
  /** The caller prints the first admin's password (the first-start banner) from gateway.admin.adminPassword. */
  quietAdminPassword?: boolean;
  /** The appliance's A/B slots for POST /update (cli/ injects image/'s installer on the image). */
  slotInstaller?: SlotInstaller;
  /** The running release, for GET /gateway/info (the composition root reads image/src/version.ts). */
  version?: string;
  /** Free bytes of the data partition, for the disk watcher and update uploads (tests); statfs otherwise. */
  freeBytes?: (dir: string) => Promise<number>;
}

/** What the API layer gives back when it listens. */
export interface ApiHandle {
  httpUrl: string;
  /** The HTTP server, for upgrades on the same port (MQTT over WebSocket at /mqtt). */
  httpServer?: import('node:http').Server | undefined;
  /** HTTPS (tls.enabled), serving the same API; MQTT over WSS at /mqtt. */
  httpsUrl?: string;
  httpsServer?: import('node:https').Server;
  mqttUrl?: string;
  mqttsUrl?: string;
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
  readonly httpsUrl: string | undefined;
  readonly mqttsUrl: string | undefined;
  /** TLS certificate, hardware detection, config API, first admin password. */
  readonly admin: GatewayAdmin;
  /** Disk watcher, scheduled backups, network updates. */
  readonly maintenance: Maintenance;
  binding(name: string): Binding | undefined;
  restartBinding(name: string): ReturnType<BindingHost['restart']>;
  stop(): Promise<void>;
}

function advertisedHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? hostname() : host;
}

/** Endpoints written into consumer TDs before the APIs listen (fixed ports) or after (port 0). */
export function configuredEndpoints(c: RoostConfig, httpPort = c.tls.enabled ? c.tls.httpsPort : c.http.port, mqttPort = c.mqtt.port): HubEndpoints {
  // With TLS on, TD forms name HTTPS (and MQTTS when plain MQTT is off).
  const e: HubEndpoints = { httpBase: c.http.publicBaseUrl ?? `${c.tls.enabled ? 'https' : 'http'}://${advertisedHost(c.http.host)}:${httpPort}` };
  const mqtts = c.tls.enabled && !c.mqtt.plain;
  if (c.mqtt.enabled) e.mqttBase = c.mqtt.publicBaseUrl ?? `${mqtts ? 'mqtts' : 'mqtt'}://${advertisedHost(c.mqtt.host)}:${mqtts && mqttPort === c.mqtt.port ? c.mqtt.tlsPort : mqttPort}`;
  return e;
}

export async function startGateway(opts: StartOptions = {}): Promise<Gateway> {
  const { config, base } = resolveStartConfig(opts.config ?? {}, opts.dataDir);
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logger = opts.logger ?? createLogger(config.log.level);
  // A restore staged by POST /restore replaces the data before the database opens (docs/backup.md).
  if (await applyPendingRestore(dataDir)) logger.warn({ dataDir }, 'restored the data dir from a backup');
  const db = openDatabase({
    dataDir, synchronous: config.store.synchronous, walAutocheckpointPages: config.store.walAutocheckpointPages, journalSizeLimitBytes: config.store.journalSizeLimitBytes,
  });
  const hubOpts = { db, config, logger, endpoints: configuredEndpoints(config), ...(opts.now ? { now: opts.now } : {}) };
  const hub = new Hub(hubOpts);
  const host = new BindingHost({
    hub, config, logger, dataDir,
    ...(opts.extraBindings ? { extraBindings: opts.extraBindings } : {}),
    ...(opts.bindingModules ? { modules: opts.bindingModules } : {}),
  });
  let api: ApiHandle | null = null;
  const admin = await openGatewayAdmin({ config, base, dataDir, logger, host });
  if (opts.version) admin.controls.version = opts.version;
  // The CoAP binding's EDHOC credentials, for GET /gateway/identity and the first-start block (docs/protocols/edhoc.md).
  admin.controls.edhocCredentials = () => (host.get('coap') as { edhocIdentity?: () => readonly EdhocCredentialView[] } | undefined)?.edhocIdentity?.() ?? [];
  const availability = new AvailabilityTracker({
    hub, options: config.availability, awakeWindowMs: config.queue.awakeWindowMs, now: hub.now, logger: logger.child({ module: 'availability' }),
  });
  // PATCH /config will start, stop and reconfigure the uplink; today it comes from the config file.
  // Loaded only when on: a gateway without an uplink carries none of its code (issue 20).
  const uplink: Uplink | null = config.uplink.enabled
    ? new (await import('./uplink/uplink.js')).Uplink({ hub, db, config: config.uplink, gatewayId: config.uplink.gatewayId ?? hostname(), logger: logger.child({ module: 'uplink' }), syncWaitMs: config.http.syncWaitMs })
    : null;
  const discovery = new Discovery({ config: () => config.discovery, listeners: () => gatewayListeners(config, api, host.get('coap')), logger: logger.child({ module: 'discovery' }) });
  const firmware = createFirmware({ hub, db, config, dataDir, logger: logger.child({ module: 'firmware' }), now: hub.now });
  const rules = createRules({ hub, db, options: config.rules, logger: logger.child({ module: 'rules' }), now: hub.now, intervalOf: (id) => availability.intervalOf(id) });
  const maintenance = new Maintenance({
    dataDir, db, hub, config, logger, systemBinding: () => host.get('system'),
    ...(opts.slotInstaller ? { slotInstaller: opts.slotInstaller } : {}), ...(opts.freeBytes ? { freeBytes: opts.freeBytes } : {}),
  });
  try {
    await host.load();
    api = await startApis({ hub, config, logger, db, metrics: [...(uplink ? [() => uplink.metrics()] : []), () => rules.metrics(), () => maintenance.metrics()], firmware, rules, update: maintenance.update, admin, quietAdminPassword: opts.quietAdminPassword === true });
    if (api) {
      const http = new URL(api.httpsUrl ?? api.httpUrl);
      const mqtt = api.mqttUrl ? new URL(config.tls.enabled && !config.mqtt.plain ? api.mqttsUrl ?? api.mqttUrl : api.mqttUrl) : undefined;
      hub.setEndpoints(configuredEndpoints(config, Number(http.port), mqtt ? Number(mqtt.port) : config.mqtt.port));
    }
    hub.startTimers();
    availability.start();
    uplink?.start();
    await host.startAll();
    await maintenance.start();
    await admin.startDetection();
    firmware.campaigns.start();
    rules.start();
    // DNS-SD follows the listeners and its own section when PATCH /config changes them.
    admin.controls.config?.onApplied(() => discovery.refresh());
    await discovery.refresh();
  } catch (err) {
    await maintenance.stop();
    await discovery.stop();
    await rules.stop();
    firmware.campaigns.stop();
    await admin.stop();
    availability.stop();
    await uplink?.stop().catch(() => undefined);
    await host.stopAll().catch(() => undefined);
    await api?.close().catch(() => undefined);
    hub.close();
    db.close();
    throw err;
  }
  logger.info({ dataDir, http: api?.httpUrl, https: api?.httpsUrl, mqtt: api?.mqttUrl, mqtts: api?.mqttsUrl, tlsSha256: admin.tls?.identity().sha256, bindings: host.names() }, 'roost gateway started');

  let stopping: Promise<void> | null = null;
  return {
    config,
    hub,
    store: { db },
    logger,
    dataDir,
    httpUrl: api?.httpUrl,
    mqttUrl: api?.mqttUrl,
    httpsUrl: api?.httpsUrl,
    mqttsUrl: api?.mqttsUrl,
    admin,
    maintenance,
    binding: (name) => host.get(name),
    restartBinding: (name) => host.restart(name),
    stop(): Promise<void> {
      stopping ??= (async () => {
        await maintenance.stop();
        await discovery.stop();
        await rules.stop();
        firmware.campaigns.stop();
        await admin.stop();
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
async function startApis(deps: { hub: Hub; config: RoostConfig; logger: Logger; db: Db; metrics: MetricSource[]; firmware: Firmware; update: UpdateService; rules: Rules; admin: GatewayAdmin; quietAdminPassword: boolean }): Promise<ApiHandle | null> {
  const { config, admin } = deps;
  const users = new Users(deps.db, config.auth.tokenTtlS);
  // The first-start banner prints a password made here, instead of users.ts printing its own.
  if (deps.quietAdminPassword && users.count() === 0 && config.auth.adminPassword === undefined && process.env['ROOST_ADMIN_PASSWORD'] === undefined) {
    admin.adminPassword = newAdminPassword();
  }
  // Not waiting for `checked`: the warning about a given password that was not applied comes when its scrypt check ends.
  await users.ensureAdmin(config.auth.adminUser, config.auth.adminPassword ?? admin.adminPassword, deps.logger, (line) => process.stderr.write(`${line}\n`));
  const metricSources: MetricSource[] = [...deps.metrics, () => admin.metrics()];
  const http = await startApi({
    hub: deps.hub, config, logger: deps.logger, users, metricSources, firmware: deps.firmware, rules: deps.rules.service, update: deps.update,
    admin: admin.controls, health: () => admin.health(), ...(admin.tls ? { tls: admin.tls } : {}),
  });
  if (!config.mqtt.enabled) return http;
  let mqtt: MqttBroker;
  try {
    mqtt = await startMqttBroker({
      hub: deps.hub,
      logger: deps.logger,
      // TLS-only MQTT (mqtt.plain false) means no MQTT over plain WebSocket either: WSS only.
      httpServer: config.mqtt.plain ? http.httpServer : undefined,
      httpsServer: http.httpsServer,
      ...(admin.tls ? { tls: { port: config.mqtt.tlsPort, material: () => admin.tls!.current(), onChange: (l: (m: { cert: string; key: string }) => void) => admin.tls!.onChange(l) } } : {}),
      auth: new MqttAuth({
        users,
        verifierAt: (at) => new Users(deps.db, config.auth.tokenTtlS, () => at),
      }),
      options: {
        ...DEFAULT_MQTT_OPTIONS,
        host: config.mqtt.host,
        port: config.mqtt.port,
        plain: config.mqtt.plain,
        websocket: config.mqtt.websocket,
        maxPacketBytes: config.mqtt.maxPacketBytes,
        authCheckIntervalMs: config.mqtt.authCheckIntervalMs,
        maxQueuedBytesPerClient: config.mqtt.maxQueuedBytesPerClient,
        drainTimeoutMs: config.mqtt.drainTimeoutMs,
        connectTimeoutMs: config.mqtt.connectTimeoutMs,
        maxStoredSessionsPerUser: config.mqtt.maxStoredSessionsPerUser,
        maxQueuedPerSession: config.mqtt.maxQueuedPerSession,
        maxConnections: config.mqtt.maxConnections,
        maxConnectionsPerSource: config.mqtt.maxConnectionsPerSource,
        syncWaitMs: config.http.syncWaitMs,
        maxJsonDepth: config.http.maxJsonDepth,
        busBuffer: config.bus.subscriberBuffer,
        homeAssistantDiscovery: config.mqtt.homeAssistantDiscovery,
      },
      // Requests waiting for a sleeping device's answer are answered after a restart too.
      replies: new PendingReplyStore(deps.db, 'mqtt-reply:'),
      // The retained TDs published at start must carry the ports actually bound.
      beforePublish: (mqttUrl) => deps.hub.setEndpoints(configuredEndpoints(config, Number(new URL(http.httpsUrl ?? http.httpUrl).port), Number(new URL(mqttUrl).port))),
    });
  } catch (err) {
    await http.close();
    throw err;
  }
  metricSources.push(mqtt.metrics);
  deps.rules.engine.setMqttPublisher(mqtt.publish);
  return {
    ...http,
    mqttUrl: mqtt.url,
    ...(mqtt.tlsUrl ? { mqttsUrl: mqtt.tlsUrl } : {}),
    close: async () => {
      await mqtt.close();
      await http.close();
    },
  };
}
