/**
 * EDHOC enrolment at fleet scale: BENCH_EDHOC_DEVICES simulated sleepy CoAP sensors (default 1,000,
 * firmware-sim, `security: edhoc`, suites 0 and 2 in turn, method 3, message_3 in the registration
 * per RFC 9668) power on against a gateway in its own process (CoAP binding, security required,
 * onboarding open) over real UDP on 127.0.0.1, then wake flat out, each wake one OSCORE request
 * (telemetry). The gateway's CPU comes from /proc/<pid>: per enrolment (power-on: EDHOC plus the
 * registration riding with message_3) beside per wake (one OSCORE request). The baseline is the same
 * fleet with pre-shared OSCORE keys (`security: oscore`, a manifest): its power-on is a registration
 * with one Echo round trip.
 *
 * Run: `make bench edhoc-enrolment`.
 */
import type { ActionClient } from '../../firmware-sim/fleet/action-client.js';
import { DEVICE_KINDS } from '../../firmware-sim/fleet/device-kinds.js';
import { FleetRunner } from '../../firmware-sim/fleet/fleet-runner.js';
import { buildReport } from '../../firmware-sim/fleet/report.js';
import { parseScenario, type Scenario } from '../../firmware-sim/fleet/scenario.js';
import { startGatewayProcess } from '../fleet/gateway-process.js';

const N = Number(process.env['BENCH_EDHOC_DEVICES'] ?? 1000);
const IN_FLIGHT = 32;

const NO_ACTIONS: ActionClient = {
  invoke: () => Promise.reject(new Error('no actions in this benchmark')),
  status: () => Promise.reject(new Error('no actions in this benchmark')),
};

function scenario(security: 'edhoc' | 'oscore'): Scenario {
  return parseScenario(`
name: enrol-${security}
seed: 1
durationS: 100
tickMs: 250
settleS: 0
security: ${security}
edhoc: { suites: [0, 2], method: 3 }
devices:
  - kind: coap-sleepy-sensor
    count: ${N}
    idPrefix: s
    wakeIntervalS: 30
    wakeJitterS: 2
    options: { ackTimeoutMs: 2000, devicesPerRadio: 250 }
    readings: { temp: { generator: random-walk, start: 20, stepMax: 0.2 } }
`, { kinds: DEVICE_KINDS });
}

interface Figures {
  powerOnS: number;
  gatewayCpuMsPerPowerOn: number;
  /** The simulated devices' CPU (this process): their EDHOC and OSCORE work in JavaScript. */
  simCpuMsPerPowerOn: number;
  gatewayCpuMsPerWake: number;
  completed: number;
  errors: number;
  bytesPerEnrolment: number;
  bytesPerWake: number;
}

async function measure(security: 'edhoc' | 'oscore'): Promise<Figures> {
  const runner = new FleetRunner({ scenario: scenario(security), kinds: DEVICE_KINDS, actions: NO_ACTIONS, maxConcurrentWakes: IN_FLIGHT });
  const needs = await runner.prepare();
  const gw = await startGatewayProcess('full', {
    coap: { enabled: true, host: '127.0.0.1', port: 0, security: 'required', registrationsPerMinutePerAddress: 1_000_000, edhocMaxSessions: 1024 },
  });
  try {
    if (needs.coap && security === 'oscore') await importManifest(gw.httpUrl, gw.password, needs.coap.manifest);
    runner.connect({ host: '127.0.0.1', coapPort: gw.coapPort });
    await new Promise((r) => setTimeout(r, 500));
    let cpu0 = gw.cpuS();
    const sim0 = process.cpuUsage();
    let t = performance.now();
    await runner.start();
    const powerOnS = (performance.now() - t) / 1000;
    const powerOnCpu = gw.cpuS() - cpu0;
    const sim = process.cpuUsage(sim0);
    const wakes0 = runner.devices.reduce((n, d) => n + d.wakes, 0);
    const bytes0 = airBytes(runner);
    cpu0 = gw.cpuS();
    t = performance.now();
    const outcome = await runner.run(100_000, 0);
    const wakes = runner.devices.reduce((n, d) => n + d.wakes, 0) - wakes0;
    const wakeCpu = gw.cpuS() - cpu0;
    const wakeBytes = airBytes(runner) - bytes0;
    const report = buildReport(runner, outcome).kinds['coap-sleepy-sensor']!;
    await runner.stop();
    const e = report.enrolment;
    return {
      powerOnS,
      gatewayCpuMsPerPowerOn: (powerOnCpu * 1000) / N,
      simCpuMsPerPowerOn: (sim.user + sim.system) / 1000 / N,
      gatewayCpuMsPerWake: (wakeCpu * 1000) / wakes,
      completed: e?.enrolments ?? N,
      errors: runner.devices.reduce((n, d) => n + d.errors, 0),
      bytesPerEnrolment: e ? e.perEnrolment.bytesUp + e.perEnrolment.bytesDown : 0,
      bytesPerWake: wakeBytes / wakes,
    };
  } finally {
    await gw.stop();
  }
}

/** UDP payload bytes the devices sent and received so far. */
function airBytes(runner: FleetRunner): number {
  return runner.devices.reduce((n, d) => {
    const t = d.traffic();
    return n + t.bytesUp + t.bytesDown;
  }, 0);
}

async function importManifest(httpUrl: string, password: string, manifest: unknown): Promise<void> {
  const tok = await fetch(`${httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  const { token } = (await tok.json()) as { token: string };
  const res = await fetch(`${httpUrl}/devices/manifest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(manifest) });
  if (!res.ok) throw new Error(`manifest import answered ${res.status}: ${await res.text()}`);
}

export async function run(): Promise<void> {
  const base = await measure('oscore');
  const edhoc = await measure('edhoc');
  console.log(`${N} sleepy CoAP sensors (firmware-sim) against a gateway process, ${IN_FLIGHT} in flight; EDHOC: suites 0 and 2 in turn, method 3, combined request`);
  const rows: Array<[string, keyof Figures, number]> = [
    ['power-on of all devices (s)', 'powerOnS', 2],
    ['gateway CPU per power-on (ms)', 'gatewayCpuMsPerPowerOn', 3],
    ['simulator CPU per power-on (ms)', 'simCpuMsPerPowerOn', 3],
    ['gateway CPU per wake, one OSCORE request (ms)', 'gatewayCpuMsPerWake', 3],
    ['device errors', 'errors', 0],
    ['bytes per wake after power-on (UDP payloads)', 'bytesPerWake', 1],
  ];
  console.log(`${'figure'.padEnd(48)} ${'OSCORE keys (baseline)'.padStart(22)} ${'EDHOC enrolment'.padStart(16)}`);
  for (const [label, key, digits] of rows) console.log(`${label.padEnd(48)} ${base[key].toFixed(digits).padStart(22)} ${edhoc[key].toFixed(digits).padStart(16)}`);
  console.log(`EDHOC: ${edhoc.completed} enrolments, ${edhoc.bytesPerEnrolment.toFixed(1)} bytes each (message_1, message_2, message_3 in the registration)`);
  console.log(`gateway CPU per enrolment = ${(edhoc.gatewayCpuMsPerPowerOn / edhoc.gatewayCpuMsPerWake).toFixed(1)} OSCORE wakes; enrolled power-on / pre-shared-key power-on = ${(edhoc.gatewayCpuMsPerPowerOn / base.gatewayCpuMsPerPowerOn).toFixed(2)}x`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
