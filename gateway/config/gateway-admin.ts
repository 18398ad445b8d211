/**
 * The gateway's administration, built for the composition root (gateway.ts): the config with the
 * admins' saved changes applied, its TLS certificate (made on first start), hardware detection and
 * the config API service, plus what the first-start banner needs to say.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { BindingHost } from '../binding-host.js';
import { AdapterDetector } from '../detect/adapter-detector.js';
import { mergePatch } from '../hub/directory.js';
import type { MetricSample } from '../metrics/metric-sample.js';
import { GatewayTls } from '../tls/gateway-tls.js';
import type { AdminControls, DeviceIdentity } from './admin-controls.js';
import { ConfigService, readConfigChanges } from './config-service.js';
import { resolveConfig, type RoostConfig } from './config.js';

/** The config of a start: the raw config with the changes PATCH /config saved in its data dir. */
export function resolveStartConfig(raw: unknown, dataDirOverride?: string): { config: RoostConfig; base: unknown } {
  const base = dataDirOverride ? mergePatch(raw ?? {}, { dataDir: dataDirOverride }) : (raw ?? {});
  const dataDir = resolve(resolveConfig(base).dataDir);
  const changes = readConfigChanges(dataDir);
  const config = resolveConfig(mergePatch(base, mergePatch(changes, { dataDir })), 'config with saved changes');
  return { config, base };
}

/** The appliance's Ed25519 identity (image first boot writes identity.json next to the gateway's data dir). */
function readDeviceIdentity(dataDir: string): DeviceIdentity | null {
  for (const file of [join(dataDir, 'identity.json'), join(dirname(dataDir), 'identity.json')]) {
    if (!existsSync(file)) continue;
    try {
      const j = JSON.parse(readFileSync(file, 'utf8')) as { deviceId?: string; publicKey?: string };
      if (typeof j.publicKey !== 'string') continue;
      const sha = createHash('sha256').update(Buffer.from(j.publicKey, 'hex')).digest('hex').toUpperCase().match(/../g)!.join(':');
      return { ...(j.deviceId ? { deviceId: j.deviceId } : {}), publicKey: j.publicKey, sha256: sha };
    } catch {
      continue;
    }
  }
  return null;
}

export interface GatewayAdmin {
  readonly controls: AdminControls;
  readonly tls: GatewayTls | undefined;
  readonly detector: AdapterDetector | undefined;
  /** The first admin's password when this start made it and the caller prints it (quietAdminPassword). */
  adminPassword: string | undefined;
  health(): Record<string, unknown>;
  metrics(): MetricSample[];
  /** Starts detection (after the configured bindings started). */
  startDetection(): Promise<void>;
  stop(): Promise<void>;
}

export async function openGatewayAdmin(o: { config: RoostConfig; base: unknown; dataDir: string; logger: Logger; host: BindingHost }): Promise<GatewayAdmin> {
  const { config, logger, host } = o;
  const tls = config.tls.enabled ? await GatewayTls.open({ dataDir: o.dataDir, config: config.tls, logger: logger.child({ module: 'tls' }) }) : undefined;
  const detector = config.detect.enabled
    ? new AdapterDetector({
      options: config.detect,
      configured: () => new Set(Object.keys(config.bindings)),
      configure: (name, section, why) => host.configure(name, section, why),
      logger: logger.child({ module: 'detect' }),
    })
    : undefined;
  const service = new ConfigService({
    base: o.base, dataDir: o.dataDir, live: config, logger,
    bindings: { check: (n, s) => host.check(n, s), configure: (n, s, why) => host.configure(n, s, why) },
    onBindingConfigured: (name) => detector?.release(name),
  });
  const identity = readDeviceIdentity(o.dataDir);
  const controls: AdminControls = {
    config: service, startedAt: Date.now(), deviceIdentity: () => identity,
    ...(tls ? { tls } : {}),
    ...(detector ? { detection: () => detector.current() } : {}),
  };
  return {
    controls, tls, detector, adminPassword: undefined,
    health: () => (detector ? { detected: detector.current().adapters.map((a) => ({ id: a.id, binding: a.binding, decision: a.decision, reason: a.reason })) } : {}),
    metrics: () => detector?.metrics() ?? [],
    startDetection: async () => detector?.start(),
    stop: async () => detector?.stop(),
  };
}

/** A first admin password for the banner to print (same alphabet as the one users.ts makes). */
export function newAdminPassword(): string {
  return randomBytes(12).toString('base64url');
}
