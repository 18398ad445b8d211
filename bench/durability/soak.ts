/**
 * The kill -9 soak (docs/durability.md): the harness of test/durability/ for many rounds (default
 * 20), then its figures. Exits 1 when a promise of the device contract was broken.
 *
 *   node --import tsx bench/durability/soak.ts [--rounds 20] [--seed S] [--devices 12] [--report FILE]
 *
 * `--report FILE` writes the whole report (figures and every finding) as JSON.
 *
 * `run()` is the same with the defaults, for bench/run.ts.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { median, runKill9, summary, TEST_OPTIONS, type HarnessReport } from '../../test/durability/kill9-harness.js';
import { sample } from '../../test/durability/verify.js';

export interface SoakOptions {
  rounds: number;
  seed: string;
  devices: number;
  /** Where to write the whole report as JSON. */
  report?: string;
}

/** One line per promise: what it measured and whether it held. */
export function verdicts(r: HarnessReport): Array<{ promise: string; broken: number; detail: string }> {
  const x = r.findings;
  return [
    { promise: 'every acknowledged reading is in history', broken: x.readingsLost.length, detail: sample(x.readingsLost, 5) },
    { promise: 'registrations survive (no 4.04 to a registered device)', broken: x.registrationLost.length + x.thingsMissing.length, detail: sample([...x.registrationLost, ...x.thingsMissing], 5) },
    { promise: 'no queued item is lost', broken: x.itemsLost.length, detail: sample(x.itemsLost, 5) },
    { promise: 'no item executes twice at the device', broken: x.executedTwice.length, detail: sample(x.executedTwice, 5) },
    { promise: 'per-device order of execution is queue order', broken: x.outOfOrder.length, detail: sample(x.outOfOrder, 5) },
    { promise: 'the hub\'s final state agrees with the device', broken: x.itemsWrong.length, detail: sample(x.itemsWrong, 5) },
    { promise: 'devices get only documented answers', broken: x.unexpected.length, detail: sample(x.unexpected, 5) },
  ];
}

export async function soak(o: SoakOptions): Promise<boolean> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const r = await runKill9({ ...TEST_OPTIONS, coapDevices: o.devices, drainTimeoutMs: 30000, seed: o.seed, rounds: o.rounds, log });
  if (o.report) writeFileSync(o.report, `${JSON.stringify(r, null, 2)}\n`);
  const f = r.figures;
  const lostReadings = r.findings.readingsLost.length;
  console.log(summary(r));
  console.log('');
  console.log('figure                                   value');
  console.log(`rounds (kill -9 + restart)               ${f.rounds}`);
  console.log(`readings acknowledged                    ${f.coapReadingsAcked + f.serialReadingsAcked} (CoAP ${f.coapReadingsAcked}, serial ${f.serialReadingsAcked})`);
  console.log(`readings lost (must be 0)                ${lostReadings}`);
  console.log(`items queued / executed                  ${f.commands.acked} / ${f.executed}`);
  console.log(`items lost (must be 0)                   ${r.findings.itemsLost.length}`);
  console.log(`items executed twice (must be 0)         ${r.findings.executedTwice.length}`);
  console.log(`items out of order (must be 0)           ${r.findings.outOfOrder.length}`);
  console.log(`registrations lost (must be 0)           ${r.findings.registrationLost.length}`);
  console.log(`restart, kill to /healthz, median        ${median(f.killToReadyMs).toFixed(0)} ms (max ${Math.max(...f.killToReadyMs).toFixed(0)} ms)`);
  console.log(`start, spawn to /healthz, median         ${median(f.readyMs).toFixed(0)} ms`);
  console.log('');
  let ok = true;
  for (const v of verdicts(r)) {
    console.log(`${v.broken === 0 ? 'kept  ' : 'BROKEN'} ${v.promise}${v.broken ? ` (${v.broken})\n  ${v.detail}` : ''}`);
    if (v.broken) ok = false;
  }
  if (!ok) console.log(`\nseed ${r.seed}: rerun with --seed ${r.seed} --rounds ${o.rounds}`);
  return ok;
}

/** For bench/run.ts: 20 rounds, a seed from the clock. */
export async function run(): Promise<void> {
  if (!(await soak({ rounds: 20, seed: String(Date.now() % 100000), devices: TEST_OPTIONS.coapDevices }))) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' }, seed: { type: 'string' }, devices: { type: 'string' }, report: { type: 'string' } }, strict: true });
  const ok = await soak({
    rounds: Number(values.rounds),
    seed: values.seed ?? String(Date.now() % 100000),
    devices: Number(values.devices ?? TEST_OPTIONS.coapDevices),
    ...(values.report ? { report: values.report } : {}),
  });
  process.exitCode = ok ? 0 : 1;
}
