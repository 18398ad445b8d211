/**
 * Fleet scale: 10,000 simulated sleepy CoAP sensors in this process against a gateway in its
 * own process, beside a baseline of 1,000. For each: registration time, a real-time phase
 * (30 s, a wake per device every ~30 s: are the wakes on time?), a flat-out phase (how many wakes per second, and CPU per wake of
 * the simulator vs the gateway: the simulator must not be the bottleneck), and memory per
 * device of simulator and gateway.
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

const heapMiB = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const rssMiB = (): number => process.memoryUsage.rss() / 2 ** 20;
const cpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Figures {
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
  gatewayRssKiBPerDevice: number;
  errors: number;
}

async function measure(count: number): Promise<Figures> {
  const gw = await startGatewayProcess();
  try {
    await new Promise((r) => setTimeout(r, 500));
    const gwRss0 = gw.rssMiB();
    const heap0 = heapMiB();
    const rss0 = rssMiB();
    const gateway = { host: '127.0.0.1', coapPort: gw.coapPort };
    // Each device wakes every ~30 s: 30 simulated seconds in real time, then 120 flat out.
    const runner = new FleetRunner({ scenario: scenario(count, 150, 30), kinds: DEVICE_KINDS, gateway, actions: NO_ACTIONS });
    let t = performance.now();
    await runner.start();
    const registerS = (performance.now() - t) / 1000;
    const rtOut = await runner.run(30_000, 1);
    const wakesAt = (): number => runner.devices.reduce((n, d) => n + d.wakes, 0);
    const rtWakes = wakesAt();
    const simHeap = heapMiB() - heap0;
    const simRss = rssMiB() - rss0;
    const gwRss = gw.rssMiB() - gwRss0;
    const sim0 = cpuS();
    const gw0 = gw.cpuS();
    t = performance.now();
    await runner.run(150_000, 0);
    const fastS = (performance.now() - t) / 1000;
    const wakes = wakesAt() - rtWakes;
    const simCpu = cpuS() - sim0;
    const gwCpu = gw.cpuS() - gw0;
    const errors = runner.devices.reduce((n, d) => n + d.errors, 0);
    await runner.stop();
    return {
      devices: count,
      registerS,
      realtimeWakesPerS: rtWakes / (rtOut.wallMs / 1000),
      realtimeLagS: rtOut.wallMs / 1000 - 30,
      fastWakesPerS: wakes / fastS,
      simCpuMsPerWake: (simCpu * 1000) / wakes,
      gatewayCpuMsPerWake: (gwCpu * 1000) / wakes,
      simBusyPct: (100 * simCpu) / fastS,
      gatewayBusyPct: (100 * gwCpu) / fastS,
      simHeapKiBPerDevice: (simHeap * 1024) / count,
      simRssKiBPerDevice: (simRss * 1024) / count,
      gatewayRssKiBPerDevice: (gwRss * 1024) / count,
      errors,
    };
  } finally {
    await gw.stop();
  }
}

export async function run(): Promise<void> {
  const base = await measure(1000);
  const big = await measure(10000);
  const rows: Array<[string, keyof Figures, number]> = [
    ['registration of all devices (s)', 'registerS', 2],
    ['real time: wakes/s achieved', 'realtimeWakesPerS', 0],
    ['real time: lag behind the clock after 30 s (s)', 'realtimeLagS', 2],
    ['flat out: wakes/s', 'fastWakesPerS', 0],
    ['simulator CPU per wake (ms)', 'simCpuMsPerWake', 3],
    ['gateway CPU per wake (ms)', 'gatewayCpuMsPerWake', 3],
    ['flat out: simulator process busy (% of a core)', 'simBusyPct', 0],
    ['flat out: gateway process busy (% of a core)', 'gatewayBusyPct', 0],
    ['simulator heap per device (KiB)', 'simHeapKiBPerDevice', 2],
    ['simulator RSS per device (KiB)', 'simRssKiBPerDevice', 2],
    ['gateway RSS per device (KiB)', 'gatewayRssKiBPerDevice', 2],
    ['wake errors', 'errors', 0],
  ];
  console.log(`${'figure'.padEnd(48)} ${'1,000 (baseline)'.padStart(16)} ${'10,000'.padStart(12)} ${'ratio'.padStart(7)}`);
  for (const [label, key, digits] of rows) {
    const a = base[key];
    const b = big[key];
    const ratio = a !== 0 ? (b / a).toFixed(2) : '-';
    console.log(`${label.padEnd(48)} ${a.toFixed(digits).padStart(16)} ${b.toFixed(digits).padStart(12)} ${ratio.padStart(7)}`);
  }
  // Per-device memory as the slope between the two fleet sizes: fixed costs cancel out.
  const slope = (key: 'simHeapKiBPerDevice' | 'gatewayRssKiBPerDevice'): string =>
    ((big[key] * big.devices - base[key] * base.devices) / (big.devices - base.devices)).toFixed(2);
  console.log(`\nmemory per device, slope from 1,000 to 10,000: simulator heap ${slope('simHeapKiBPerDevice')} KiB, gateway RSS ${slope('gatewayRssKiBPerDevice')} KiB`);
  const share = big.simCpuMsPerWake / (big.simCpuMsPerWake + big.gatewayCpuMsPerWake);
  console.log(`simulator share of the CPU per wake at 10,000 devices: ${(share * 100).toFixed(0)}% (below 50%: the simulator is not the bottleneck)`);
}
