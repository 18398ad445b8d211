/**
 * SenML+CBOR ingest through the CoAP binding's whole pipeline (decode, twin, history, one MQTT
 * subscriber on `things/#`), NON and CON, side by side with a raw UDP echo (the ceiling) and a
 * plain node-coap server that only decodes (the peer). Target: Roost >= 2x node-coap. Every answer
 * waits for the group commit of its readings (synchronous=FULL); a sixth case answers before the
 * commit, so the cost of that promise is a ratio of the same run (target: CON >= 0.8x).
 *
 * Every server runs in a fresh process of its own (ingest-case.ts); the load client (64 requests
 * in flight) runs here and the MQTT subscriber is mosquitto's `mosquitto_sub` (QoS 0, one line per
 * message, counted here), as a device fleet and a consumer would, in other processes than the
 * gateway. (With the Node `mqtt` client in this process, this process became the bottleneck.) The five cases run in turn, BENCH_COAP_ROUNDS times (default 3,
 * BENCH_COAP_MS each), and the median of each is printed: the machine is shared, so one round says
 * little. "CPU/msg" is the server process's user + system time per answered request, the figure
 * least disturbed by other load on the machine.
 *
 * Issue 20's rows: the share of ingested values (SenML records; the registration's TD and a few
 * availability messages are in the count too, a handful in thousands) that reached the subscriber
 * (target 100 %), and the gateway's CPU per message over the echo's (target <= 2.5x).
 *
 * BENCH_COAP_SUBSCRIBER=0 leaves the MQTT subscriber out (to see what it costs; not the benchmark).
 * Profiling: BENCH_COAP_NODE_ARGS is passed to the server processes, e.g.
 * `BENCH_COAP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" BENCH_COAP_ROUNDS=1 make bench`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { encodeMessage } from '../../bindings/coap/coap-message.js';
import { encodeSenmlCbor } from '../../protocols/senml/index.js';
import { TEST_ADMIN_PASSWORD } from '../../test/helpers/gateway.js';
import type { CaseName, CaseReady, CaseReport } from './ingest-case.js';
import { drive } from './load-client.js';

const DURATION_MS = Number(process.env['BENCH_COAP_MS'] ?? 3000);
const ROUNDS = Number(process.env['BENCH_COAP_ROUNDS'] ?? 3);
const WINDOW = 64;
const WARMUP_MS = 500;
const NODE_ARGS = (process.env['BENCH_COAP_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const SUBSCRIBER = process.env['BENCH_COAP_SUBSCRIBER'] !== '0';
const CASE_SCRIPT = fileURLToPath(new URL('./ingest-case.ts', import.meta.url));
const PACK = encodeSenmlCbor([{ bn: 'bench1/', n: 'temp', u: 'Cel', v: 21.5 }, { n: 'hum', v: 40 }]);
const REGISTER = encodeMessage({ type: 'CON', code: '0.02', mid: 1, uriPath: ['rd'], uriQuery: ['ep=bench1', 'b=U'], contentFormat: 40, payload: Buffer.from('</temp>;rt="roost.p";u="Cel",</hum>;rt="roost.p"') });
const request = (type: 'CON' | 'NON', ep: string) => (mid: number) =>
  encodeMessage({ type, code: '0.02', mid, token: Buffer.from([mid >> 8, mid & 0xff]), uriPath: ['t', ep], contentFormat: 112, payload: PACK });

const CASES: ReadonlyArray<[label: string, name: CaseName, type: 'NON' | 'CON']> = [
  ['raw UDP echo (ceiling)', 'echo', 'NON'],
  ['node-coap, decode only, NON', 'node-coap', 'NON'],
  ['node-coap, decode only, CON', 'node-coap', 'CON'],
  ['Roost full pipeline, NON', 'roost', 'NON'],
  ['Roost full pipeline, CON', 'roost', 'CON'],
  ['Roost CON, ack before commit', 'roost-ack-early', 'CON'],
];

/**
 * mosquitto_sub on things/#, counting the messages it prints after the retained ones of the start;
 * resolves once those arrived.
 */
async function subscribe(mqttUrl: string): Promise<{ received: () => number; close: () => Promise<void> }> {
  const u = new URL(mqttUrl);
  const sub = spawn('mosquitto_sub', ['-h', u.hostname, '-p', u.port, '-u', 'admin', '-P', TEST_ADMIN_PASSWORD, '-t', 'things/#', '-q', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let lines = 0;
  const first = new Promise<void>((resolve, reject) => {
    sub.once('error', reject);
    sub.once('exit', (code) => reject(new Error(`mosquitto_sub exited with ${code}`)));
    sub.stdout.once('data', () => resolve());
    setTimeout(() => reject(new Error('mosquitto_sub received nothing in 30 s')), 30000).unref();
  });
  sub.stdout.on('data', (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  });
  try {
    await first;
  } catch (err) {
    sub.kill(); // not left behind when the run fails
    throw err;
  }
  // The retained TDs and values of the start come first: wait until they stop, so they are not counted as readings.
  for (let last = -1; lines !== last; ) {
    last = lines;
    await new Promise((r) => setTimeout(r, 300));
  }
  const retained = lines;
  return {
    received: () => lines - retained,
    close: async () => {
      sub.removeAllListeners('exit');
      sub.kill();
      if (sub.exitCode === null) await once(sub, 'exit');
    },
  };
}

interface Result extends CaseReport {
  perSecond: number;
  cpuUsPerMsg: number;
  mqttReceived?: number;
}

export async function runCase(name: CaseName, type: 'NON' | 'CON'): Promise<Result> {
  const child: ChildProcess = fork(CASE_SCRIPT, [name], { execArgv: [...NODE_ARGS, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let subscriber: Awaited<ReturnType<typeof subscribe>> | null = null;
  try {
    const [ready] = (await once(child, 'message')) as [CaseReady];
    if (ready.mqttUrl && SUBSCRIBER) subscriber = await subscribe(ready.mqttUrl);
    const gateway = name === 'roost' || name === 'roost-ack-early';
    if (gateway) await drive(ready.port, () => REGISTER, { durationMs: 100, window: 1 });
    const ep = gateway ? 'bench1' : 'x';
    await drive(ready.port, request(type, ep), { durationMs: WARMUP_MS, window: WINDOW });
    child.send('start');
    const load = await drive(ready.port, request(type, ep), { durationMs: DURATION_MS, window: WINDOW });
    // The subscriber gets what was published before the server's CPU is read: that work counts.
    for (let last = -1; subscriber && subscriber.received() !== last; ) {
      last = subscriber.received();
      await new Promise((r) => setTimeout(r, 200));
    }
    child.send('stop');
    const [report] = (await once(child, 'message')) as [CaseReport];
    const received = subscriber?.received();
    return { ...report, perSecond: load.perSecond, cpuUsPerMsg: report.cpuUs / Math.max(1, load.answers), ...(received !== undefined ? { mqttReceived: received } : {}) };
  } finally {
    await subscriber?.close();
    if (child.exitCode === null) await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export async function run(): Promise<void> {
  const results: Result[][] = CASES.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, name, type]] of CASES.entries()) results[i]!.push(await runCase(name, type));
    console.log(`round ${round + 1}: ${results.map((x) => Math.round(x[round]!.perSecond)).join(' / ')} msg/s`);
  }
  const rate = results.map((rs) => median(rs.map((r) => r.perSecond)));
  const cpu = results.map((rs) => median(rs.map((r) => r.cpuUsPerMsg)));
  const rss = results.map((rs) => median(rs.map((r) => r.rssMb)));
  console.log(`median of ${ROUNDS} rounds of ${DURATION_MS} ms, each server a fresh process, ${WINDOW} requests in flight, 2-record SenML+CBOR pack:`);
  for (const [i, [label]] of CASES.entries()) {
    console.log(`${label.padEnd(30)} ${Math.round(rate[i]!).toString().padStart(7)} msg/s  ${cpu[i]!.toFixed(1).padStart(6)} us server CPU/msg  RSS ${Math.round(rss[i]!)} MB`);
  }
  const [echoRate, peerNon, peerCon, ourNon, ourCon, earlyCon] = rate as [number, number, number, number, number, number];
  const [, cpuNon, cpuCon, ourCpuNon, ourCpuCon, earlyCpuCon] = cpu as [number, number, number, number, number, number];
  console.log(`ratio Roost NON / node-coap NON: ${(ourNon / peerNon).toFixed(2)}x rate (target >= 2x), ${(cpuNon / ourCpuNon).toFixed(2)}x CPU per message; Roost NON / echo: ${(ourNon / echoRate).toFixed(2)}x`);
  console.log(`ratio Roost CON / node-coap CON: ${(ourCon / peerCon).toFixed(2)}x rate (target >= 2x), ${(cpuCon / ourCpuCon).toFixed(2)}x CPU per message; Roost CON / echo: ${(ourCon / echoRate).toFixed(2)}x`);
  console.log(`ratio Roost CON acknowledged after commit / before commit: ${(ourCon / earlyCon).toFixed(2)}x rate (target >= 0.8x), ${(earlyCpuCon / ourCpuCon).toFixed(2)}x CPU per message`);
  // Issue 20's rows: MQTT delivery at full ingest rate, and the gateway's CPU per message against the echo's.
  const share = (i: number): number => median(results[i]!.map((r) => (r.mqttReceived ?? 0) / Math.max(1, r.readings ?? 0)));
  const [echoCpu] = cpu as [number];
  if (SUBSCRIBER) {
    console.log(`MQTT values delivered to the one subscriber / values ingested (median): NON ${(100 * share(3)).toFixed(1)} %, CON ${(100 * share(4)).toFixed(1)} % (target 100 %)`);
  }
  console.log(`ratio Roost CPU/msg / echo CPU/msg: NON ${(ourCpuNon / echoCpu).toFixed(2)}x, CON ${(ourCpuCon / echoCpu).toFixed(2)}x (target <= 2.5x)`);
  const echoLast = results[0]!.at(-1)!;
  console.log(`raw UDP echo, last round: kernel share of the CPU ${((100 * (echoLast.systemUs ?? 0)) / echoLast.cpuUs).toFixed(0)} %`);
  for (const [i, type] of [[3, 'NON'], [4, 'CON']] as const) {
    const r = results[i]!.at(-1)!;
    console.log(`Roost ${type}, last round: readings ${r.readings}, history rows ${r.historyRows}, MQTT subscriber messages ${r.mqttReceived}, ` +
      `bus messages dropped for slow subscribers ${r.busDropped}, exchanges ${r.exchanges}, ` +
      `history rows per transaction ${((r.historyRows ?? 0) / Math.max(1, r.historyBatches ?? 0)).toFixed(0)}, kernel share of the CPU ${((100 * (r.systemUs ?? 0)) / r.cpuUs).toFixed(0)} %`);
  }
}
