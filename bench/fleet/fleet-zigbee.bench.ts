/**
 * Zigbee fleet through `roost fleet`'s path: 100 devices of three real models (fleet kinds) on
 * one emulated ZNP coordinator in this process, a gateway in its own process with the Zigbee
 * binding (real herdsman and converters) on that coordinator, and the fleet talking to its HTTP
 * API (permit join, identification, actions) like any client. Prints the gateway's memory beside
 * a baseline gateway without Zigbee, the time to join and identify, and the run. RSS moves with
 * the child's garbage collections (no gc() there): bench/zigbee/zigbee-fleet.bench.ts measures
 * the gateway's memory after a forced collection.
 */
import { DEVICE_KINDS } from '../../firmware-sim/fleet/device-kinds.js';
import { FleetRunner } from '../../firmware-sim/fleet/fleet-runner.js';
import { zigbeeBindingSection } from '../../firmware-sim/fleet/gateway-config.js';
import { HubClient } from '../../firmware-sim/fleet/hub-client.js';
import { buildReport } from '../../firmware-sim/fleet/report.js';
import { parseScenario } from '../../firmware-sim/fleet/scenario.js';
import { startGatewayProcess } from './gateway-process.js';

const SCENARIO = `
name: zigbee-bench
seed: 1
durationS: 120
speed: 0
tickMs: 5000
settleS: 30
devices:
  - kind: zigbee-th-sensor
    count: 40
    idPrefix: th
    wakeIntervalS: 60
    wakeJitterS: 10
    options: { listenMs: 200 }
    readings:
      temperature: { generator: random-walk, start: 21, stepMax: 0.3 }
      humidity: { generator: sine, mean: 50, amplitude: 8, periodS: 600 }
  - kind: zigbee-plug
    count: 40
    idPrefix: plug
    wakeIntervalS: 30
    readings: { power: { generator: random-walk, start: 60, stepMax: 20, min: 0, max: 2300, decimals: 0 } }
  - kind: zigbee-door-sensor
    count: 20
    idPrefix: door
    wakeIntervalS: 60
actions:
  - { atS: 10, device: door-0, action: identify, repeatEveryS: 40, repeatCount: 2 }
  - { atS: 20, device: door-9, action: identify, repeatEveryS: 40, repeatCount: 2 }
`;

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<void> {
  const plain = await startGatewayProcess('normal');
  await settle(2000);
  const plainRss = plain.rssMiB();
  await plain.stop();

  const scenario = parseScenario(SCENARIO, { kinds: DEVICE_KINDS });
  const runner = new FleetRunner({ scenario, kinds: DEVICE_KINDS });
  const needs = await runner.prepare();
  if (!needs.zigbee) throw new Error('the scenario has no Zigbee devices');
  const t0 = performance.now();
  const gw = await startGatewayProcess('normal', { zigbee: { ...zigbeeBindingSection(needs.zigbee), reconnectDelayMs: 200 } });
  try {
    const startS = (performance.now() - t0) / 1000;
    await settle(2000);
    const formedRss = gw.rssMiB();
    const hub = new HubClient({ baseUrl: gw.httpUrl, username: 'admin', password: gw.password });
    runner.connect({ host: '127.0.0.1', coapPort: gw.coapPort }, hub);
    let t = performance.now();
    await runner.start();
    const joinS = (performance.now() - t) / 1000;
    await settle(2000);
    const joinedRss = gw.rssMiB();
    t = performance.now();
    const outcome = await runner.run();
    await runner.settle();
    for (const d of runner.devices) d.model.sync?.();
    const runS = (performance.now() - t) / 1000;
    const report = buildReport(runner, outcome);
    const ranRss = gw.rssMiB();
    const errors = runner.devices.reduce((n, d) => n + d.errors, 0);
    const n = runner.devices.length;
    const row = (label: string, value: string): void => console.log(`${label.padEnd(62)} ${value.padStart(10)}`);
    row('figure', 'value');
    row('gateway RSS without Zigbee, MiB (baseline)', plainRss.toFixed(1));
    row('gateway RSS, Zigbee network formed, 0 devices, MiB', formedRss.toFixed(1));
    row(`gateway RSS, ${n} devices joined, identified, configured, MiB`, joinedRss.toFixed(1));
    row(`gateway RSS after ${scenario.durationS} simulated s of reports, MiB`, ranRss.toFixed(1));
    row('  ratio to baseline', (ranRss / plainRss).toFixed(2));
    row('  per device (joined - formed), KiB', (((joinedRss - formedRss) * 1024) / n).toFixed(0));
    row('gateway start with network formation, s', startS.toFixed(1));
    row(`join, interview, identify, configure ${n} devices, s`, joinS.toFixed(1));
    row(`${scenario.durationS} simulated s flat out (+ settle), s`, runS.toFixed(1));
    row('gateway peak RSS over the whole run, MiB', gw.peakRssMiB().toFixed(1));
    row('simulator RSS (fleet and emulated coordinator), MiB', (process.memoryUsage.rss() / 2 ** 20).toFixed(1));
    const a = report.actions;
    console.log(`wakes ${Object.values(report.kinds).reduce((s, k) => s + k.wakes, 0)}, readings ${Object.values(report.kinds).reduce((s, k) => s + k.readingsSent, 0)}, wake errors ${errors}; actions ${a.sent} sent, ${a.deliveredOnce} delivered exactly once, states ${JSON.stringify(a.states)}`);
  } finally {
    await runner.stop();
    await gw.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
