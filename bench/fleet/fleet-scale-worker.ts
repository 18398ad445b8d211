/**
 * One measurement of the fleet-scale benchmark, in a process of its own so that its memory
 * figures are its own: `node --import tsx fleet-scale-worker.ts <devices> [full|normal]
 * [wakes in flight] [traffic of]` runs that many sleepy CoAP sensors against a gateway in another
 * process (its SQLite synchronous mode as given) and prints its figures as one JSON line.
 *
 * `traffic of` (default: the devices): after the measured stretches the fleet goes on flat out
 * until it has sent as many wakes as that many devices send in them, before the gateway's memory
 * is read. What the gateway keeps per message, bounded (the CoAP exchange cache, SQLite's page
 * cache over a growing history), is then the same at both fleet sizes and leaves the slope
 * between them: the slope is what a device costs, not what its traffic costs.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ActionClient } from '../../firmware-sim/fleet/action-client.js';
import { DEVICE_KINDS } from '../../firmware-sim/fleet/device-kinds.js';
import { FleetRunner } from '../../firmware-sim/fleet/fleet-runner.js';
import { parseScenario, type Scenario } from '../../firmware-sim/fleet/scenario.js';
import { startGatewayProcess } from './gateway-process.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const NO_ACTIONS: ActionClient = {
  invoke: () => Promise.reject(new Error('no actions in this benchmark')),
  status: () => Promise.reject(new Error('no actions in this benchmark')),
};

function scenario(count: number, durationS: number, wakeIntervalS: number): Scenario {
  return parseScenario(`
name: scale-${count}
seed: 1
durationS: ${durationS}
tickMs: 250
settleS: 0
security: none
devices:
  - kind: coap-sleepy-sensor
    count: ${count}
    idPrefix: s
    wakeIntervalS: ${wakeIntervalS}
    wakeJitterS: 2
    options: { ackTimeoutMs: 2000, devicesPerRadio: 250 }
    readings: { temp: { generator: random-walk, start: 20, stepMax: 0.2 } }
`, { kinds: DEVICE_KINDS });
}

const rssMiB = (): number => process.memoryUsage.rss() / 2 ** 20;
const heapMiB = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const cpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export interface Figures {
  devices: number;
  registerS: number;
  realtimeWakesPerS: number;
  realtimeLagS: number;
  fastWakesPerS: number;
  simCpuMsPerWake: number;
  gatewayCpuMsPerWake: number;
  simBusyPct: number;
  gatewayBusyPct: number;
  simHeapKiBPerDevice: number;
  simRssKiBPerDevice: number;
  /** Gateway RSS after a full collection in it, at the end (all devices registered, woken ~5 times). */
  gatewayRssKiBPerDevice: number;
  /** Gateway V8 heap used after a full collection, same moment: no allocator or SQLite page cache noise. */
  gatewayHeapKiBPerDevice: number;
  /** V8's heap as committed, same moment. */
  gatewayHeapTotalKiBPerDevice: number;
  /** Of the RSS, memory outside V8's heap that V8 knows of (external; ArrayBuffers and Buffers apart). */
  gatewayExternalKiBPerDevice: number;
  gatewayArrayBuffersKiBPerDevice: number;
  /** The SQLite database file at the end, whose pages the page cache holds up to its bound. */
  gatewayDatabaseKiBPerDevice: number;
  /** Wakes the fleet sent in all, the stretch that evens the traffic included. */
  totalWakes: number;
  errors: number;
}

/** Simulated seconds of the measured stretches: 30 in real time, then 120 flat out. */
const MEASURED_S = 150;

async function measure(count: number, synchronous: 'full' | 'normal', inFlight: number, trafficOf: number): Promise<Figures> {
  const gw = await startGatewayProcess(synchronous);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const gw0 = await gw.memoryAfterGc();
    const heap0 = heapMiB();
    const rss0 = rssMiB();
    const gateway = { host: '127.0.0.1', coapPort: gw.coapPort };
    // Each device wakes every ~30 s: 30 simulated seconds in real time, then 120 flat out, then
    // flat out again until the fleet has sent the traffic of `trafficOf` devices.
    const totalS = Math.ceil((MEASURED_S * trafficOf) / count);
    const runner = new FleetRunner({ scenario: scenario(count, totalS, 30), kinds: DEVICE_KINDS, gateway, actions: NO_ACTIONS, maxConcurrentWakes: inFlight });
    let t = performance.now();
    await runner.start();
    const registerS = (performance.now() - t) / 1000;
    const wakesAt = (): number => runner.devices.reduce((n, d) => n + d.wakes, 0);
    const startWakes = wakesAt(); // powering on counts as a wake
    const rtOut = await runner.run(30_000, 1);
    const rtWakes = wakesAt();
    const simHeap = heapMiB() - heap0;
    const simRss = rssMiB() - rss0;
    const sim0 = cpuS();
    const gwCpu0 = gw.cpuS();
    t = performance.now();
    await runner.run(MEASURED_S * 1000, 0);
    const fastS = (performance.now() - t) / 1000;
    const wakes = wakesAt() - rtWakes;
    const simCpu = cpuS() - sim0;
    const gwCpu = gw.cpuS() - gwCpu0;
    if (totalS > MEASURED_S) await runner.run(totalS * 1000, 0);
    const errors = runner.devices.reduce((n, d) => n + d.errors, 0);
    // After the flat-out stretch every device has registered and woken several times: its state
    // in the gateway is what it keeps for good.
    const gw1 = await gw.memoryAfterGc();
    if (process.env['BENCH_HEAP_SNAPSHOT']) await gw.heapSnapshot(`${process.env['BENCH_HEAP_SNAPSHOT']}-${count}.heapsnapshot`);
    const dbBytes = gw.databaseBytes();
    await runner.stop();
    return {
      devices: count,
      registerS,
      realtimeWakesPerS: (rtWakes - startWakes) / (rtOut.wallMs / 1000),
      realtimeLagS: rtOut.wallMs / 1000 - 30,
      fastWakesPerS: wakes / fastS,
      simCpuMsPerWake: (simCpu * 1000) / wakes,
      gatewayCpuMsPerWake: (gwCpu * 1000) / wakes,
      simBusyPct: (100 * simCpu) / fastS,
      gatewayBusyPct: (100 * gwCpu) / fastS,
      simHeapKiBPerDevice: (simHeap * 1024) / count,
      simRssKiBPerDevice: (simRss * 1024) / count,
      gatewayRssKiBPerDevice: ((gw1.rssMiB - gw0.rssMiB) * 1024) / count,
      gatewayHeapKiBPerDevice: ((gw1.heapUsedMiB - gw0.heapUsedMiB) * 1024) / count,
      gatewayHeapTotalKiBPerDevice: ((gw1.heapTotalMiB - gw0.heapTotalMiB) * 1024) / count,
      gatewayExternalKiBPerDevice: ((gw1.externalMiB - gw0.externalMiB) * 1024) / count,
      gatewayArrayBuffersKiBPerDevice: ((gw1.arrayBuffersMiB - gw0.arrayBuffersMiB) * 1024) / count,
      gatewayDatabaseKiBPerDevice: dbBytes / 1024 / count,
      totalWakes: wakesAt(),
      errors,
    };
  } finally {
    await gw.stop();
  }
}

const count = Number(process.argv[2]);
const sync = process.argv[3] ?? 'full';
const inFlight = Number(process.argv[4] ?? 128);
const trafficOf = Number(process.argv[5] ?? count);
if (!Number.isInteger(count) || count < 1 || (sync !== 'full' && sync !== 'normal') || !(inFlight >= 1) || !(trafficOf >= count)) {
  throw new Error('usage: fleet-scale-worker.ts <devices> [full|normal] [wakes in flight] [traffic of, >= devices]');
}
console.log(JSON.stringify(await measure(count, sync, inFlight, trafficOf)));
