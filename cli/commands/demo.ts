/**
 * `roost demo [--config FILE] [--data DIR] [--scenario FILE] [--duration S]`: the gateway on its
 * default ports (or those of a config file, merged over the demo's) with the CoAP, serial, BLE and
 * Zigbee bindings, plus the simulated demo fleet (firmware-sim/scenarios/demo.yaml) in the same
 * process, for a newcomer's `make run`. The fleet is an independent peer: it reaches the
 * gateway over UDP, pseudo-terminals, the emulated Zigbee coordinator and the HTTP API like any
 * device and client would. Ctrl-C stops the fleet (with its report, also written as a page with
 * plots to <data>/fleet-report.html) and then the gateway.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ActionClient } from '../../firmware-sim/fleet/action-client.js';
import { DEVICE_KINDS } from '../../firmware-sim/fleet/device-kinds.js';
import type { GatewayNeeds } from '../../firmware-sim/fleet/device-model.js';
import { bleBindingSection, coapSecurity, zigbeeBindingSection } from '../../firmware-sim/fleet/gateway-config.js';
import { runSession, type Connection } from '../../firmware-sim/fleet/fleet-session.js';
import { HubClient } from '../../firmware-sim/fleet/hub-client.js';
import { loadScenario } from '../../firmware-sim/fleet/scenario.js';
import { ConfigInvalidError, InternalError } from '../../protocols/errors.js';
import type { BindingModule } from '../../gateway/binding.js';
import { BINDING_MODULES, type BindingLoader } from '../../gateway/binding-registry.js';
import { startGateway, type Gateway } from '../../gateway/gateway.js';
import { mergePatch } from '../../gateway/hub/directory.js';
import { parseManifest } from '../../gateway/onboarding/manifest.js';
import { applyOverrides, finish, signalAbort } from './fleet.js';
import { runtimePath } from '../../image/src/bundle/runtime-files.js';
import { version } from '../../image/src/version.js';
import { command } from '../command.js';

/** The demo fleet: in the source tree, or beside the bundle (image/src/bundle/runtime-files.ts). */
export const DEMO_SCENARIO = runtimePath('scenarios', 'demo.yaml');

const SPEC = {
  name: 'demo',
  usage: [
    'usage: roost demo [--config FILE] [--data DIR] [--scenario FILE] [--duration S] [--report FILE]',
    '',
    '  -c, --config FILE     gateway config merged over the demo\'s (ports, log level, ...)',
    '  -d, --data DIR        data directory; default ./data',
    '  -s, --scenario FILE   another fleet (docs/fleet.md); default the demo fleet',
    '      --duration S      stop after S simulated seconds; default: until Ctrl-C',
    '  -r, --report FILE     write the fleet\'s report to FILE: a page with plots if it ends in .html, else JSON;',
    '                        default DIR/fleet-report.html',
    '',
    'The gateway and a simulated fleet in one process; Ctrl-C stops both.',
  ].join('\n'),
  options: { config: { type: 'string', short: 'c' }, data: { type: 'string', short: 'd' }, scenario: { type: 'string', short: 's' }, duration: { type: 'string' }, report: { type: 'string', short: 'r' } },
} as const;

const NO_API: ActionClient = {
  invoke: () => Promise.reject(new InternalError('the HTTP API is not running')),
  status: () => Promise.reject(new InternalError('the HTTP API is not running')),
};

/** Until Ctrl-C: a year of simulated time. */
const DEMO_DURATION_S = 365 * 86400;

/** Where the demo writes its report page unless --report says otherwise, in the data dir. */
export const DEMO_REPORT = 'fleet-report.html';

/**
 * Where the demo's Zigbee binding keeps its state, in the data dir, emptied at each start: the
 * demo's coordinator stick is emulated afresh each run, so the network herdsman formed on the
 * last one must not be restored onto it (the emulator has no backup restore), and the data
 * dir's own `zigbee/` (a real stick's network) is never touched.
 */
export const DEMO_ZIGBEE_DIR = 'demo-zigbee';

/** The fleet's OSCORE manifest (docs/security.md), written to the data dir at each start (lab keys from the scenario's seed). */
export const DEMO_MANIFEST = 'fleet-manifest.json';

/** Longest stop of the demo's gateway before the process gives up on it (herdsman saves a backup of its coordinator). */
const DEMO_STOP_TIMEOUT_MS = 10_000;

/** The report's history check reads from this long before the fleet started (device clocks drift). */
const HISTORY_MARGIN_MS = 60_000;

/**
 * Gateway config of the demo (every device of the fleet registers from 127.0.0.1), under the
 * user's file. The fleet's CoAP devices speak OSCORE: the CoAP binding requires it and admits
 * only the devices of the fleet's manifest (onboarding policy `manifest`, the manifest imported
 * before the fleet starts). The fleet's other devices (serial, BLE, Zigbee) are a lab: admitted
 * as they come (policy open, which the gateway logs once per binding) instead of waiting for an admin.
 */
export function demoConfig(adminPassword: string, file: Record<string, unknown> = {}, needs: GatewayNeeds = { serialPorts: [] }): Record<string, unknown> {
  const bindings: Record<string, unknown> = {
    system: { enabled: true },
    coap: { enabled: true, registrationsPerMinutePerAddress: 100000, security: coapSecurity(needs) },
  };
  if (needs.serialPorts.length > 0) bindings['serial'] = { enabled: true, ports: needs.serialPorts.map((path) => ({ path })) };
  if (needs.ble) bindings['ble'] = bleBindingSection(needs.ble);
  if (needs.zigbee) bindings['zigbee'] = zigbeeBindingSection(needs.zigbee);
  const onboarding = { defaultPolicy: 'open', ...(needs.coap ? { policy: { coap: 'manifest' } } : {}) };
  const base = { auth: { adminPassword }, onboarding, bindings };
  return mergePatch(base, file) as Record<string, unknown>;
}

/**
 * The fleet's OSCORE manifest, written to the gateway's data dir as a vendor would ship it and
 * imported through the manifest code (docs/security.md), before any device of the fleet starts.
 */
export function admitFleet(gw: Pick<Gateway, 'dataDir' | 'hub'>, needs: GatewayNeeds): void {
  if (!needs.coap) return;
  const file = join(gw.dataDir, DEMO_MANIFEST);
  writeFileSync(file, `${JSON.stringify(needs.coap.manifest, null, 1)}\n`, { mode: 0o600 });
  gw.hub.onboarding.importManifest(parseManifest(readFileSync(file, 'utf8')));
}

/**
 * The binding table of the demo: BLE devices of the fleet are on its simulated radio, so the BLE
 * binding gets the fleet's simulated central instead of noble (the binding cannot tell them apart);
 * with `zigbeeDir`, the Zigbee binding keeps its state there instead of the data dir (DEMO_ZIGBEE_DIR).
 */
export function demoBindingModules(needs: GatewayNeeds, zigbeeDir?: string): Readonly<Record<string, BindingLoader>> | undefined {
  const ble = needs.ble;
  const modules: Record<string, BindingLoader> = { ...BINDING_MODULES };
  if (ble) {
    modules['ble'] = async () => {
      const [{ BleBinding }, { optionsSchema }] = await Promise.all([import('../../bindings/ble/ble-binding.js'), import('../../bindings/ble/ble-options.js')]);
      const mod: BindingModule<ConstructorParameters<typeof BleBinding>[0]> = { optionsSchema, create: (o) => new BleBinding(o, { centralFactory: () => Promise.resolve(ble.central) }) };
      return mod as unknown as BindingModule<never>;
    };
  }
  const zigbee = BINDING_MODULES['zigbee'];
  if (needs.zigbee && zigbeeDir && zigbee) {
    modules['zigbee'] = async () => {
      const mod = await zigbee();
      return { ...mod, create: (o: never) => {
        const b = mod.create(o);
        const start = b.start.bind(b);
        b.start = (ctx) => start({ ...ctx, dataDir: zigbeeDir });
        return b;
      } };
    };
  }
  return ble || (needs.zigbee && zigbeeDir) ? modules : undefined;
}

/** The raw config file (keys the user set, no defaults), so that it can be merged over the demo's. */
function readConfigFile(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigInvalidError(`${path}: ${(err as NodeJS.ErrnoException).code ? `cannot read (${(err as NodeJS.ErrnoException).code})` : `not valid YAML/JSON: ${(err as Error).message}`}`);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigInvalidError(`${path}: must be a mapping of config keys`);
  return raw as Record<string, unknown>;
}

/** A URL a person can open: a wildcard listen address becomes localhost. */
function reachable(url: string | undefined): string {
  if (!url) return '(not running)';
  return url.replace(/^(\w+:\/\/)(0\.0\.0\.0|\[::\])(?=:)/, '$1localhost');
}

function banner(gw: Gateway, devices: number, coapPort: number, madeUpPassword: string | null): string {
  const login = madeUpPassword ? `user ${gw.config.auth.adminUser}, password ${madeUpPassword} (set ROOST_ADMIN_PASSWORD to choose it)` : `user ${gw.config.auth.adminUser}, password from ROOST_ADMIN_PASSWORD`;
  return [
    '',
    `Roost demo: the gateway and ${devices} simulated devices in one process.`,
    `  web UI     ${reachable(gw.httpUrl)}/`,
    `  HTTP API   ${reachable(gw.httpUrl)}   (docs/api.md; GET /things lists them; log in with POST /auth/token)`,
    `  login      ${login}`,
    `  MQTT       ${reachable(gw.mqttUrl)}   (docs/mqtt.md; also ws://.../mqtt on the HTTP port)`,
    `  CoAP       udp port ${coapPort} (the simulated devices talk to it)`,
    '  Ctrl-C stops the fleet, prints its report, and stops the gateway.',
    '',
  ].join('\n');
}

export const run = command(SPEC, async ({ values }) => {
  const scenario = applyOverrides(loadScenario(values.scenario ?? DEMO_SCENARIO, DEVICE_KINDS), { duration: values.duration ?? String(DEMO_DURATION_S) });
  const file = values.config ? readConfigFile(values.config) : {};
  const fromFile = (file['auth'] as { adminPassword?: unknown } | undefined)?.adminPassword;
  const chosen = typeof fromFile === 'string' ? fromFile : process.env['ROOST_ADMIN_PASSWORD'];
  const password = chosen ?? randomBytes(12).toString('base64url');
  let gw: Gateway | null = null;
  const dataDir = values.data ?? './data';
  const reportFile = values.report ?? join(dataDir, DEMO_REPORT);
  // The gateway starts once the serial devices' pseudo-terminals exist, so it opens them at once.
  const connect = async (needs: GatewayNeeds): Promise<Connection> => {
    const zigbeeDir = join(dataDir, DEMO_ZIGBEE_DIR);
    if (needs.zigbee) rmSync(zigbeeDir, { recursive: true, force: true });
    const modules = demoBindingModules(needs, zigbeeDir);
    const started = await startGateway({ config: demoConfig(password, file, needs), dataDir, version: version(), ...(modules ? { bindingModules: modules } : {}) });
    gw = started;
    admitFleet(started, needs);
    const coap = started.binding('coap') as (ReturnType<Gateway['binding']> & { listening?: { address: string; port: number } | null }) | undefined;
    const at = coap?.listening;
    if (!at) throw new InternalError('the CoAP binding did not start; the demo fleet needs it');
    let actions: ActionClient = NO_API;
    let history: Connection['history'];
    if (started.httpUrl) {
      const client = new HubClient({ baseUrl: started.httpUrl, username: started.config.auth.adminUser, password });
      try {
        await client.login();
        actions = client;
        const since = Date.now() - HISTORY_MARGIN_MS;
        history = (thingId, name) => client.history(thingId, name, since);
      } catch (err) {
        // An HTTP API that cannot log the fleet in (no /auth/token yet, another password): no actions.
        started.logger.warn({ err: (err as Error).message }, 'cannot log in to the HTTP API: the demo fleet cannot send its actions');
      }
    } else {
      started.logger.warn('the HTTP API is not running: the demo fleet cannot send its actions');
    }
    const devices = scenario.devices.reduce((n, g) => n + g.count, 0);
    process.stderr.write(banner(started, devices, at.port, chosen ? null : password));
    return { gateway: { host: '127.0.0.1', coapPort: at.port }, actions, ...(history ? { history } : {}) };
  };
  // The gateway stops before the fleet's devices power off (runSession's disconnect), or at the end.
  const stopGateway = async (): Promise<void> => {
    const stopping = gw as Gateway | null;
    if (!stopping) return;
    const force = setTimeout(() => {
      process.stderr.write(`roost: the gateway took longer than ${DEMO_STOP_TIMEOUT_MS} ms to stop; exiting\n`);
      process.exit(1);
    }, DEMO_STOP_TIMEOUT_MS);
    force.unref();
    await stopping.stop();
    clearTimeout(force);
  };
  const abort = signalAbort();
  try {
    // Zigbee devices pair while the others run: the demo shows values before herdsman has interviewed them all.
    const result = await runSession({ scenario, connect, signal: abort.signal, progress: process.stderr, checkHistory: true, pairInBackground: true, disconnect: stopGateway });
    const code = finish(result, reportFile);
    process.stderr.write(`the fleet's report: ${reportFile}${/\.html?$/i.test(reportFile) ? ' (open it in a browser)' : ''}\n`);
    return abort.signal.aborted ? 0 : code; // Ctrl-C is how a demo ends
  } finally {
    abort.dispose();
    await stopGateway();
  }
});
