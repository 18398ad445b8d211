/**
 * Zigbee fleet: 100 simulated devices (four real models, 25 each) join one emulated ZNP
 * coordinator and are interviewed, identified by the converters and configured by the gateway.
 * Prints the time for that and the gateway's memory beside two baselines measured in the same
 * run: the gateway without the Zigbee binding, and every converters definition loaded.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startZigbeeSim } from '../../firmware-sim/zigbee/zigbee-sim.js';
import { PROFILES } from '../../firmware-sim/zigbee/profiles.js';

const DEVICES = 100;
const CHILD = new URL('./zigbee-gateway-child.ts', import.meta.url).pathname;

type Line = Record<string, unknown> & { phase: string; rssMb: number };

async function child(args: string[], onLine: (l: Line) => void = () => undefined): Promise<Line[]> {
  const p = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
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

export async function run(): Promise<void> {
  const plain = await child(['plain']);
  const defs = await child(['all-definitions']);
  const sim = await startZigbeeSim({ awakeWindowMs: 3000 });
  const names = Object.keys(PROFILES);
  const devices = Array.from({ length: DEVICES }, (_, i) => sim.addDevice(names[i % names.length] as string));
  try {
    const z = await child(['zigbee', sim.url, String(DEVICES)], (l) => {
      if (l.phase === 'joining') void sim.waitForPermitJoin(5000).then(() => sim.join(devices));
    });
    const get = (lines: Line[], phase: string) => lines.find((l) => l.phase === phase);
    const started = get(plain, 'started');
    const network = get(z, 'network');
    const done = get(z, 'identified') ?? get(z, 'timeout');
    if (!started || !network || !done) throw new Error('a child did not report');
    const before = get(defs, 'before');
    const loaded = get(defs, 'loaded');
    const f = (n: unknown) => (typeof n === 'number' ? n.toFixed(1) : String(n));
    console.log(`${'figure'.padEnd(58)} ${'value'.padStart(10)}`);
    console.log(`${'gateway RSS without Zigbee, MB (baseline)'.padEnd(58)} ${f(started.rssMb).padStart(10)}`);
    console.log(`${'gateway RSS, Zigbee network formed, 0 devices, MB'.padEnd(58)} ${f(network.rssMb).padStart(10)}`);
    console.log(`${`gateway RSS, ${DEVICES} devices identified and configured, MB`.padEnd(58)} ${f(done.rssMb).padStart(10)}`);
    console.log(`${'  ratio to baseline'.padEnd(58)} ${(done.rssMb / started.rssMb).toFixed(2).padStart(10)}`);
    console.log(`${'  per device, KiB'.padEnd(58)} ${(((done.rssMb - network.rssMb) * 1e6) / 1024 / DEVICES).toFixed(0).padStart(10)}`);
    console.log(`${'first start and network formation, ms'.padEnd(58)} ${f(network['ms']).padStart(10)}`);
    console.log(`${`join, interview, identify, configure ${DEVICES} devices, ms`.padEnd(58)} ${f(done['ms']).padStart(10)}`);
    console.log(`${'every converters definition loaded: RSS delta, MB'.padEnd(58)} ${f((loaded?.rssMb ?? 0) - (before?.rssMb ?? 0)).padStart(10)}  (${String(loaded?.['definitions'])} definitions)`);
    console.log(`emulator: ${sim.emulator.counters.framesIn} frames in, ${sim.emulator.counters.framesOut} out, ${sim.emulator.counters.unknownRequests} unknown; binding counters ${JSON.stringify(done['counters'])}`);
    if (done.phase === 'timeout') throw new Error(`only part of the ${DEVICES} devices were identified in time`);
  } finally {
    await sim.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
