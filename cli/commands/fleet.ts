/**
 * `roost fleet --scenario FILE [--gateway HOST[:PORT]]`: the simulated fleet alone, against a
 * running gateway: CoAP devices talk to HOST on --coap-port, the scenario's actions go through
 * the hub's HTTP API at HOST:PORT (default 8080) as --user (password from ROOST_ADMIN_PASSWORD).
 * Live progress on stderr; the human summary on stdout; the report with --report FILE (one
 * self-contained HTML page when FILE ends in .html, else JSON), checked against the gateway's
 * history when the password is known. Exit status 0 when the run completed and every action and
 * write was delivered exactly once (a superseded write: never). The CoAP devices speak OSCORE
 * unless the scenario says `security: none`: `--manifest FILE` writes their keys for the gateway
 * (with `security: edhoc`, the fingerprints of their public keys).
 */
import { writeFileSync } from 'node:fs';
import { fleetCredentials, fleetManifest } from '../../firmware-sim/fleet/credentials.js';
import { DEVICE_KINDS } from '../../firmware-sim/fleet/device-kinds.js';
import { runSession, type SessionResult } from '../../firmware-sim/fleet/fleet-session.js';
import { HubClient } from '../../firmware-sim/fleet/hub-client.js';
import { summarize, type FleetReport } from '../../firmware-sim/fleet/report.js';
import { reportHtml } from '../../firmware-sim/fleet/report-html.js';
import { loadScenario, type Scenario } from '../../firmware-sim/fleet/scenario.js';
import { ConfigInvalidError } from '../../protocols/errors.js';
import { command } from '../command.js';

const FLEET_OPTIONS = {
  scenario: { type: 'string', short: 's' },
  gateway: { type: 'string', short: 'g' },
  'coap-port': { type: 'string' },
  user: { type: 'string', short: 'u' },
  report: { type: 'string', short: 'r' },
  speed: { type: 'string' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  manifest: { type: 'string', short: 'm' },
} as const;

const SPEC = {
  name: 'fleet',
  usage: [
    'usage: roost fleet --scenario FILE [--gateway HOST[:PORT]] [options]',
    '',
    '  -s, --scenario FILE        the fleet to run (docs/fleet.md)',
    '  -g, --gateway HOST[:PORT]  the gateway; its HTTP API on PORT (default 127.0.0.1:8080)',
    '      --coap-port N          the gateway\'s CoAP port (default 5683)',
    '  -u, --user NAME            hub user for the scenario\'s actions (default admin, password from ROOST_ADMIN_PASSWORD)',
    '  -r, --report FILE          write the report to FILE: a page with plots if it ends in .html, else JSON',
    '      --speed X              simulated seconds per second (0: as fast as possible)',
    '      --duration S           simulated seconds to run',
    '      --seed TEXT            seed of the random faults and readings',
    '  -q, --quiet                no live progress on stderr',
    '  -m, --manifest FILE        write the manifest of the fleet\'s CoAP devices (OSCORE keys, or EDHOC public key',
    '                             fingerprints with security: edhoc) to FILE (JSON, docs/security.md)',
    '                             and exit: import it into the gateway (roost devices import, POST /devices/manifest)',
    '                             before the run; the keys follow from the scenario and --seed',
  ].join('\n'),
  options: FLEET_OPTIONS,
  required: ['scenario'],
} as const;

/** History read for the report starts this long before the run (device clocks drift). */
const HISTORY_MARGIN_MS = 60_000;

function num(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) throw new ConfigInvalidError(`--${name}: expected a number >= ${min}, got '${text}'`);
  return n;
}

/** Applies --speed, --duration and --seed to a loaded scenario. */
export function applyOverrides(s: Scenario, v: { speed?: string; duration?: string; seed?: string }): Scenario {
  const speed = num('speed', v.speed, 0);
  const duration = num('duration', v.duration, 1);
  return {
    ...s,
    ...(speed !== undefined ? { speed } : {}),
    ...(duration !== undefined ? { durationS: duration } : {}),
    ...(v.seed !== undefined ? { seed: v.seed } : {}),
  };
}

/** Splits `host[:port]` (IPv6 in brackets). */
export function parseHost(text: string, defaultPort: number): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new ConfigInvalidError(`--gateway: expected HOST or HOST:PORT, got '${text}'`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : defaultPort };
}

/** Writes the report: one self-contained HTML page for a `.html` file, else JSON. */
export function writeReport(report: FleetReport, file: string): void {
  writeFileSync(file, /\.html?$/i.test(file) ? reportHtml(report) : `${JSON.stringify(report, null, 2)}\n`);
}

/** Prints the summary, writes the report, and turns the outcome into an exit status. */
export function finish(result: SessionResult, reportFile: string | undefined): number {
  const { report } = result;
  console.log(summarize(report));
  if (result.historyError) process.stderr.write(`roost: the report does not say which readings were stored: ${result.historyError}\n`);
  if (reportFile) writeReport(report, reportFile);
  const a = report.actions;
  const w = report.writes;
  return report.completed && a.deliveredOnce === a.sent && a.unexpected === 0 && w.deliveredOnce + w.superseded === w.sent ? 0 : 1;
}

/** An AbortSignal raised by the first SIGINT/SIGTERM (the run then reports what it covered). */
export function signalAbort(): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const on = (): void => ctl.abort();
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return { signal: ctl.signal, dispose: () => { process.off('SIGINT', on); process.off('SIGTERM', on); } };
}

export const run = command(SPEC, async ({ values }) => {
  const scenario = applyOverrides(loadScenario(values.scenario!, DEVICE_KINDS), values);
  if (values.manifest !== undefined) {
    const manifest = fleetManifest(fleetCredentials(scenario, DEVICE_KINDS));
    if (manifest.length === 0) throw new ConfigInvalidError('the scenario has no CoAP devices with OSCORE or EDHOC keys (security: none, or no CoAP kinds): no manifest to write');
    writeFileSync(values.manifest, `${JSON.stringify(manifest, null, 1)}\n`, { mode: 0o600 });
    process.stderr.write(`${manifest.length} CoAP devices written to ${values.manifest}; import it into the gateway before the fleet runs\n`);
    return 0;
  }
  const http = parseHost(values.gateway ?? '127.0.0.1', 8080);
  const coapPort = num('coap-port', values['coap-port'], 1) ?? 5683;
  const password = process.env['ROOST_ADMIN_PASSWORD'] ?? '';
  const host = http.host.includes(':') ? `[${http.host}]` : http.host;
  const actions = new HubClient({ baseUrl: `http://${host}:${http.port}`, username: values.user ?? 'admin', password });
  // Only a scenario that sends actions or writes, or opens a Zigbee network (permitJoin), needs the hub API (and its password).
  if (scenario.actions.length > 0 || scenario.writes.length > 0 || scenario.devices.some((g) => DEVICE_KINDS[g.kind]?.binding === 'zigbee')) {
    if (!password) throw new ConfigInvalidError('set ROOST_ADMIN_PASSWORD to the password of --user (default admin): the fleet sends its actions through the hub API');
    await actions.login();
  }
  // A report says how many readings reached history, read through the hub API (which needs the password).
  const since = Date.now() - HISTORY_MARGIN_MS;
  const checkHistory = values.report !== undefined && password !== '';
  const abort = signalAbort();
  try {
    const result = await runSession({
      scenario,
      connect: (needs) => {
        // BLE devices are on a simulated radio in this process: only an in-process gateway (roost demo) hears them.
        if (needs.ble) return Promise.reject(new ConfigInvalidError('BLE device kinds need the gateway in the same process (roost demo --scenario FILE): their radio is simulated in this process'));
        // A gateway started apart opens serial ports and the Zigbee coordinator from its own config: name them.
        if (needs.serialPorts.length > 0) process.stderr.write(`serial devices: the gateway's bindings.serial.ports must list\n${needs.serialPorts.map((p) => `  - { path: ${p} }`).join('\n')}\n`);
        if (needs.zigbee) process.stderr.write(`zigbee devices: the gateway's bindings.zigbee.port must be ${needs.zigbee.port}${needs.zigbee.awakeWindowMs ? ` (and awakeWindowMs at most ${needs.zigbee.awakeWindowMs})` : ''}\n`);
        return Promise.resolve({ gateway: { host: http.host, coapPort }, actions, history: (thingId, name) => actions.history(thingId, name, since) });
      },
      checkHistory,
      signal: abort.signal,
      ...(values.quiet ? {} : { progress: process.stderr }),
    });
    return finish(result, values.report);
  } finally {
    abort.dispose();
  }
});
