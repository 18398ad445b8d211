/**
 * Zigbee fleet: 100 simulated devices join one emulated ZNP coordinator and are interviewed,
 * identified by the converters and configured by the gateway, in two mixes: the firmware-sim's
 * four models (25 each), and one model from each of the converters' 100 largest vendor files (the
 * worst case for the converters' memory short of loading every definition). Prints the gateway's
 * memory after forced garbage collections over the gateway without the Zigbee binding, measured
 * in the same run, and every converters definition loaded (in a bare process) for comparison.
 * Each gateway runs with the appliance's Node flags and without source maps, as the bundle does.
 * ZIGBEE_BENCH_HEAP=1 also takes heap snapshots and prints what grew, by constructor.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startZigbeeSim } from '../../firmware-sim/zigbee/zigbee-sim.js';
import { applianceNodeFlags } from '../footprint/bundle-process.js';
import { PROFILES, type DeviceProfile } from '../../firmware-sim/zigbee/profiles.js';
import { heapBreakdown, heapGrowth } from './heap-by-constructor.js';
import { vendorProfiles } from './vendor-profiles.js';

const DEVICES = 100;
const CHILD = new URL('./zigbee-gateway-child.ts', import.meta.url).pathname;
const HEAP = process.env['ZIGBEE_BENCH_HEAP'] === '1';

type Line = Record<string, unknown> & { phase: string; rssMb: number; heapMb: number };

async function child(args: string[], onLine: (l: Line) => void = () => undefined): Promise<Line[]> {
  // The appliance's Node flags (--max-semi-space-size=2): else the young generation's size, up to
  // 2 x 16 MB and shrunk only when idle, moves RSS by more than the Zigbee binding costs.
  const flags = [...applianceNodeFlags(), '--expose-gc', '--import', 'tsx'];
  const p = spawn(process.execPath, [...flags, CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  const rl = createInterface({ input: p.stdout });
  rl.on('line', (s) => {
    if (!s.startsWith('{')) return;
    const l = JSON.parse(s) as Line;
    lines.push(l);
    onLine(l);
  });
  await new Promise<void>((resolve, reject) => p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}`)))));
  return lines;
}

function phase(lines: Line[], name: string): Line {
  const l = lines.find((x) => x.phase === name);
  if (!l) throw new Error(`a child did not report ${name}`);
  return l;
}

/** One gateway with the Zigbee binding and `profiles` joined in turn, `DEVICES` in all. */
async function fleet(profiles: DeviceProfile[], waitFor: 'configured' | 'settled', snapshots: string): Promise<Line[]> {
  const sim = await startZigbeeSim({ awakeWindowMs: 3000 });
  const devices = Array.from({ length: DEVICES }, (_, i) => sim.addDevice(profiles[i % profiles.length] as DeviceProfile));
  try {
    const lines = await child(['zigbee', sim.url, String(DEVICES), waitFor, snapshots], (l) => {
      if (l.phase === 'joining') void sim.waitForPermitJoin(5000).then(() => sim.join(devices));
    });
    if (lines.some((l) => l.phase === 'timeout')) throw new Error(`only part of the ${DEVICES} devices were identified in time`);
    const c = sim.emulator.counters;
    console.log(`  emulator: ${c.framesIn} frames in, ${c.framesOut} out, ${c.unknownRequests} unknown; binding counters ${JSON.stringify(phase(lines, 'identified')['counters'])}`);
    return lines;
  } finally {
    await sim.close();
  }
}

function printGrowth(title: string, before: string, after: string): void {
  const a = heapBreakdown(before);
  const b = heapBreakdown(after);
  console.log(`${title}: heap ${(a.totalBytes / 1e6).toFixed(1)} -> ${(b.totalBytes / 1e6).toFixed(1)} MB; grew most:`);
  for (const r of heapGrowth(a, b, 15)) console.log(`  ${(r.bytes / 1e6).toFixed(2).padStart(7)} MB ${String(r.count).padStart(7)}  ${r.kind}`);
  const sources = b.bigStrings.filter((s) => !a.bigStrings.some((x) => x.head === s.head && x.bytes === s.bytes));
  console.log(`  new strings over 100 kB (module sources): ${sources.length}, ${(sources.reduce((n, s) => n + s.bytes, 0) / 1e6).toFixed(1)} MB`);
}

/** Issue 20: the Zigbee binding on top of the gateway, network formed and 100 devices, in RSS. */
const TARGET_MB = 30;

export async function run(): Promise<void> {
  const dir = HEAP ? mkdtempSync(join(tmpdir(), 'roost-zigbee-heap-')) : '';
  try {
    const plain = await child(['plain', '', '0', 'configured', dir && join(dir, 'plain')]);
    const defs = await child(['all-definitions']);
    console.log('four firmware-sim models, 25 devices each:');
    const four = await fleet(Object.values(PROFILES), 'configured', dir && join(dir, 'four'));
    const vendors = vendorProfiles(DEVICES);
    console.log(`one model from each of the ${vendors.length} largest converters vendor files:`);
    const many = await fleet(vendors, 'settled', '');

    const base = phase(plain, 'started');
    const f = (n: number) => n.toFixed(1).padStart(10);
    // V8's committed heap beside the live one: what of the RSS is pages V8 keeps after a burst.
    const total = (l: Line): number => l['heapTotalMb'] as number;
    const over = (l: Line) => `${f(l.rssMb - base.rssMb)} ${f(l.heapMb - base.heapMb)} ${f(total(l) - total(base))}`;
    console.log(`${'figure (after forced gc)'.padEnd(60)} ${'RSS MB'.padStart(10)} ${'heap MB'.padStart(10)} ${'committed'.padStart(10)}`);
    console.log(`${'gateway without Zigbee (baseline)'.padEnd(60)} ${f(base.rssMb)} ${f(base.heapMb)} ${f(total(base))}`);
    console.log(`${'  over baseline: Zigbee network formed, 0 devices'.padEnd(60)} ${over(phase(four, 'network'))}`);
    console.log(`${`  over baseline: ${DEVICES} devices of the 4 firmware-sim models`.padEnd(60)} ${over(phase(four, 'identified'))}`);
    console.log(`${`  over baseline: ${DEVICES} devices of ${vendors.length} vendor files`.padEnd(60)} ${over(phase(many, 'identified'))}`);
    const before = phase(defs, 'before');
    const loaded = phase(defs, 'loaded');
    console.log(`${`every converters definition loaded (${String(loaded['definitions'])}), bare process, delta`.padEnd(60)} ${f(loaded.rssMb - before.rssMb)} ${f(loaded.heapMb - before.heapMb)}`);
    console.log(`${'first start and network formation, ms'.padEnd(60)} ${f(phase(four, 'network')['ms'] as number)}`);
    console.log(`${`join, interview, identify, configure ${DEVICES} devices (4 models), ms`.padEnd(60)} ${f(phase(four, 'identified')['ms'] as number)}`);
    console.log(`${`join, interview, identify ${DEVICES} devices (${vendors.length} vendors), ms`.padEnd(60)} ${f(phase(many, 'identified')['ms'] as number)}`);
    const worst = Math.max(...[phase(four, 'network'), phase(four, 'identified'), phase(many, 'identified')].map((l) => l.rssMb - base.rssMb));
    console.log(`target (issue 20): Zigbee on top <= +${TARGET_MB} MB RSS in every case; worst case here +${worst.toFixed(1)} MB, ${(worst / TARGET_MB).toFixed(2)}x of it`);
    if (HEAP) {
      printGrowth('plain gateway -> Zigbee network formed', join(dir, 'plain-started.heapsnapshot'), join(dir, 'four-network.heapsnapshot'));
      printGrowth('network formed -> 100 devices (4 models)', join(dir, 'four-network.heapsnapshot'), join(dir, 'four-identified.heapsnapshot'));
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
