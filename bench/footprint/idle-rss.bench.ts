/**
 * Idle memory: resident set size of the gateway's bundle after IDLE_MS of idleness, with each
 * binding set of binding-sets.ts, started with the appliance's Node flags (image/rootfs/overlay/
 * usr/bin/roost), beside bare Node and a fastify hello-world bundle measured in the same run, and
 * the largest set once more without the flags. Median of RUNS processes each (RSS moves with every
 * garbage collection). Target (issue 20): system + CoAP + serial + BLE <= 80 MB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BINDING_SETS, ptyPair, settledIn } from './binding-sets.js';
import { applianceNodeFlags, buildBundles, median, startProcess, writeGatewayConfig, type StartOptions } from './bundle-process.js';

const RUNS = 3;
const IDLE_MS = 10_000;
/** Bare Node with an HTTP server answering /healthz: the floor under everything else. */
const BARE_NODE = "const s=require('node:http').createServer((q,r)=>r.end('{}')).listen(0,'127.0.0.1',()=>console.log('Server listening at http://127.0.0.1:'+s.address().port))";

async function idleRss(o: StartOptions): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await startProcess(o);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    xs.push(p.rssKiB());
    await p.stop();
  }
  return median(xs) / 1024;
}

export async function run(): Promise<void> {
  const bundles = await buildBundles();
  const dir = mkdtempSync(join(tmpdir(), 'roost-bench-rss-'));
  const pty = await ptyPair(dir);
  try {
    const flags = applianceNodeFlags();
    const rows: Array<[string, number]> = [
      ['bare Node (http server)', await idleRss({ args: ['-e', BARE_NODE] })],
      ['fastify hello-world bundle', await idleRss({ args: [bundles.fastify] })],
      ['fastify hello-world bundle, appliance flags', await idleRss({ args: [...flags, bundles.fastify] })],
      // The floor: the gateway's third-party stack started and nothing of its own (stack-hello.ts).
      ['fastify + sqlite + aedes + udp bundle, appliance flags', await idleRss({ args: [...flags, bundles.stack] })],
    ];
    const gateway = async (set: (typeof BINDING_SETS)[number], nodeFlags: string[]): Promise<number> => {
      const sub = join(dir, set.name.replace(/\W+/g, '-'));
      const config = writeGatewayConfig(sub, set.bindings(dir));
      return idleRss({ args: [...nodeFlags, bundles.gateway, 'start', '--config', config, '--data', join(sub, 'data')], ready: settledIn(set.settled) });
    };
    for (const set of BINDING_SETS) rows.push([`gateway bundle, ${set.name}`, await gateway(set, flags)]);
    const largest = BINDING_SETS.at(-1)!;
    rows.push([`gateway bundle, ${largest.name}, no flags`, await gateway(largest, [])]);
    const fastify = rows[2]![1];
    console.log(`idle RSS after ${IDLE_MS / 1000} s, median of ${RUNS} processes (MiB; ratio to the fastify hello-world with the same flags)`);
    console.log(`appliance flags (image/rootfs/overlay/usr/bin/roost): ${flags.join(' ') || 'none'}`);
    for (const [label, mib] of rows) console.log(`${label.padEnd(56)} ${mib.toFixed(1).padStart(7)} ${(mib / fastify).toFixed(2).padStart(6)}x`);
    console.log('target (issue 20): system + CoAP + serial + BLE <= 80 MiB');
  } finally {
    pty.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
