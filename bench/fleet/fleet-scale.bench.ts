/**
 * Fleet scale: 10,000 simulated sleepy CoAP sensors in one process against a gateway in its own
 * process, beside a baseline of 1,000, each size in a fresh simulator process. For each:
 * registration time, a real-time stretch (30 s, a wake per device every ~30 s: on time?), a
 * flat-out stretch (128 wakes in flight: wakes per second, CPU per wake of the simulator and of
 * the gateway; the simulator must not be the bottleneck), and memory per device of both.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Figures } from './fleet-scale-worker.js';

const WORKER = fileURLToPath(new URL('./fleet-scale-worker.ts', import.meta.url));
/** The traffic both fleets send before the memory is read, in devices' measured stretches. */
const TRAFFIC_OF = 10_000;

/** `trafficOf`: the fleet sends as many wakes as that many devices do before the memory is read. */
async function measure(count: number, trafficOf: number): Promise<Figures> {
  const args = ['--import', 'tsx', WORKER, String(count), 'full', '128', String(trafficOf)];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 2 ** 20, timeout: 600_000, env: process.env });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Figures;
}

export async function run(): Promise<void> {
  // Both fleets send the traffic of the 10,000 devices' measured stretches (~60,000 wakes; the
  // smaller one wakes ten times as often), so that the memory the gateway keeps per message,
  // bounded, is alike in both and the slope is per device (the CoAP exchange cache is full in
  // both). RSS still moves with V8's committed heap and the allocator: one tree read 2.2-3.2 KiB
  // a device in three runs, its heap slope 1.6-1.7 (docs/fleet.md). More traffic does not steady it: with the
  // traffic of 30,000 devices the smaller gateway's RSS after GC grew by 63 MB (its heap by 12),
  // and the slope read -2.6 KiB.
  const base = await measure(1000, TRAFFIC_OF);
  const big = await measure(10000, TRAFFIC_OF);
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
    ['gateway RSS per device after GC (KiB)', 'gatewayRssKiBPerDevice', 2],
    ['gateway heap per device after GC (KiB)', 'gatewayHeapKiBPerDevice', 2],
    ['gateway heap committed per device after GC (KiB)', 'gatewayHeapTotalKiBPerDevice', 2],
    ['gateway ArrayBuffers per device after GC (KiB)', 'gatewayArrayBuffersKiBPerDevice', 2],
    ['gateway external per device after GC (KiB)', 'gatewayExternalKiBPerDevice', 2],
    ['gateway database file per device (KiB)', 'gatewayDatabaseKiBPerDevice', 2],
    ['wakes in all before the memory is read', 'totalWakes', 0],
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
  const slope = (key: keyof Figures): string => ((big[key] * big.devices - base[key] * base.devices) / (big.devices - base.devices)).toFixed(2);
  console.log(`\nmemory per device, slope from 1,000 to 10,000: simulator heap ${slope('simHeapKiBPerDevice')} KiB, RSS ${slope('simRssKiBPerDevice')} KiB`);
  // Issue 20's row: the gateway's memory per simulated device, after a full collection in it.
  console.log(`gateway RSS per device at 10,000 CoAP devices (slope from 1,000, the same traffic): ${slope('gatewayRssKiBPerDevice')} KiB (target <= 2 KiB); heap used ${slope('gatewayHeapKiBPerDevice')} KiB`);
  // What V8 does not hold: SQLite's page cache (bounded by store cache bytes, 16 MiB, filled as the
  // history grows) and the allocator's free lists, besides the external memory V8 counts.
  const n = (key: keyof Figures): number => Number(slope(key));
  const rest = n('gatewayRssKiBPerDevice') - n('gatewayHeapTotalKiBPerDevice') - n('gatewayExternalKiBPerDevice');
  console.log(`  of which V8 heap committed ${slope('gatewayHeapTotalKiBPerDevice')} KiB, ArrayBuffers ${slope('gatewayArrayBuffersKiBPerDevice')} KiB, other external ${(n('gatewayExternalKiBPerDevice') - n('gatewayArrayBuffersKiBPerDevice')).toFixed(2)} KiB, the rest (SQLite page cache, allocator, code) ${rest.toFixed(2)} KiB; database file ${slope('gatewayDatabaseKiBPerDevice')} KiB`);
  console.log(`wakes/s one core could carry at 10,000 devices: simulator ${(1000 / big.simCpuMsPerWake).toFixed(0)}, gateway ${(1000 / big.gatewayCpuMsPerWake).toFixed(0)}`);
  const share = big.simCpuMsPerWake / (big.simCpuMsPerWake + big.gatewayCpuMsPerWake);
  console.log(`simulator share of the CPU per wake at 10,000 devices: ${(share * 100).toFixed(0)}% (below 50%: the simulator is not the bottleneck)`);
}
