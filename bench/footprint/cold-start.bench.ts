/**
 * Cold start: the gateway's bundle (system + CoAP bindings, an existing data directory: the first
 * start's admin user and keys are made once, before the timed runs) from `node dist/roost.js start`
 * to /healthz answering with its bindings settled, beside a fastify hello-world bundled and started
 * the same way, alternating, median of ROUNDS each. Target (issue 20): ratio <= 1.5x. A third row,
 * the gateway's third-party stack alone (stack-hello.ts), is the floor under the gateway.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BINDING_SETS, settledIn } from './binding-sets.js';
import { applianceNodeFlags, buildBundles, median, startProcess, writeGatewayConfig } from './bundle-process.js';

const ROUNDS = 5;

export async function run(): Promise<void> {
  const bundles = await buildBundles();
  const set = BINDING_SETS.find((s) => s.name === 'system + CoAP')!;
  const dir = mkdtempSync(join(tmpdir(), 'roost-bench-cold-'));
  try {
    const config = writeGatewayConfig(dir, set.bindings(dir));
    // Both started as the appliance starts the gateway: `node FLAGS FILE` (image/rootfs/overlay/usr/bin/roost).
    const flags = applianceNodeFlags();
    const gatewayArgs = [...flags, bundles.gateway, 'start', '--config', config, '--data', join(dir, 'data')];
    const ready = settledIn(set.settled);
    const first = await startProcess({ args: gatewayArgs, ready });
    await first.stop();
    const gw: number[] = [];
    const base: number[] = [];
    const stack: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const f = await startProcess({ args: [...flags, bundles.fastify] });
      base.push(f.readyMs);
      await f.stop();
      const s = await startProcess({ args: [...flags, bundles.stack] });
      stack.push(s.readyMs);
      await s.stop();
      const g = await startProcess({ args: gatewayArgs, ready });
      gw.push(g.readyMs);
      await g.stop();
    }
    const g = median(gw);
    const b = median(base);
    const floor = median(stack);
    const runs = [gw, base, stack].map((xs) => xs.map((x) => x.toFixed(0)).join(' ')).join(' | ');
    console.log(`cold start to /healthz, median of ${ROUNDS} (ms; each run, gateway | fastify | stack: ${runs})`);
    console.log(`${'first start (new data directory)'.padEnd(44)} ${first.readyMs.toFixed(0).padStart(8)}`);
    console.log(`${'gateway bundle, system + CoAP'.padEnd(44)} ${g.toFixed(0).padStart(8)}`);
    console.log(`${'fastify hello-world bundle (baseline)'.padEnd(44)} ${b.toFixed(0).padStart(8)}`);
    console.log(`${'fastify + sqlite + aedes + udp bundle (floor)'.padEnd(44)} ${floor.toFixed(0).padStart(8)}`);
    console.log(`${'ratio (target <= 1.5x)'.padEnd(44)} ${(g / b).toFixed(2).padStart(7)}x`);
    console.log(`${'floor ratio (the stack alone)'.padEnd(44)} ${(floor / b).toFixed(2).padStart(7)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
