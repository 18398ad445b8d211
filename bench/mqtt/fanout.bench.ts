/**
 * MQTT fan-out: `mosquitto_pub -l` (QoS 0, one message per line) -> broker -> `mosquitto_sub`
 * subscribers, through Roost's embedded aedes broker (a gateway in its own process) and through
 * Debian's mosquitto 2.0 in the same run, with the same publisher, subscribers and load: 1 -> 1 and
 * 1 -> 10. Figures: deliveries per second at the subscribers (first to last message) and messages
 * lost, and the broker process's CPU time per delivery (steadier than the rate on a shared machine).
 * Target (issue 20): Roost >= 0.9x mosquitto, and no loss where mosquitto loses none.
 * Every client is a process of its own (the Node mqtt client was often the bottleneck, FACTS.md).
 */
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from '../../test/gateway/uplink/mosquitto-broker.js';
import type { GatewayCaseReady } from './gateway-case.js';

const MESSAGES = Number(process.env['BENCH_MQTT_MESSAGES'] ?? 50000);
const ROUNDS = Number(process.env['BENCH_MQTT_ROUNDS'] ?? 3);
const TOPIC = 'bench/fanout';
const USER = 'bench';
const PASSWORD = 'bench-mqtt-password';
/** Node arguments of the gateway process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (one profile per round). */
const NODE_ARGS = (process.env['BENCH_MQTT_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const GATEWAY_SCRIPT = fileURLToPath(new URL('./gateway-case.ts', import.meta.url));

interface Broker {
  label: string;
  port: number;
  /** The broker's process, for its CPU time. */
  pid: number;
  user: string;
  password: string;
  close(): Promise<void>;
}

interface Result {
  perSecond: number;
  lost: number;
  /** Broker process CPU time (user + system) per delivery: unlike the rate, little moved by other load on the machine. */
  cpuUsPerDelivery: number;
}

const CLK_TCK = 100;

/** User + system CPU seconds of a process so far (/proc/<pid>/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** The pid of the process whose command line holds `needle` (mosquitto started with a config in its own directory). */
function pidOf(needle: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no process with ${needle} in its command line`);
}

interface Subscriber {
  /** Lines printed so far. */
  readonly count: number;
  /** Forgets what came so far (the readiness probes). */
  reset(): void;
  done: (expected: number, timeoutMs: number) => Promise<{ count: number; firstAt: number; lastAt: number }>;
  kill(): void;
}

/** One subscriber process: counts the lines it prints (one per message) and the time of the first and last. */
function subscriber(b: Broker): Subscriber {
  const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(b.port), '-u', b.user, '-P', b.password, '-t', TOPIC, '-q', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let count = 0;
  let firstAt = 0;
  let lastAt = 0;
  sub.stdout.on('data', (chunk: Buffer) => {
    let lines = 0;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    if (lines === 0) return;
    const now = performance.now();
    if (count === 0) firstAt = now;
    count += lines;
    lastAt = now;
  });
  return {
    get count() {
      return count;
    },
    reset: () => {
      count = 0;
      firstAt = 0;
      lastAt = 0;
    },
    done: async (expected, timeoutMs) => {
      // Finished when all came, or when none came for 3 s (QoS 0: nothing says "the last one"; a
      // 0.5 s pause ended runs early on a loaded machine, counted as loss for both brokers).
      const end = performance.now() + timeoutMs;
      let seen = count;
      let changedAt = performance.now();
      while (count < expected && performance.now() < end && performance.now() - changedAt < 3000) {
        await new Promise((r) => setTimeout(r, 100));
        if (count !== seen) {
          seen = count;
          changedAt = performance.now();
        }
      }
      return { count, firstAt, lastAt };
    },
    kill: () => sub.kill(),
  };
}

/**
 * mosquitto_sub says nothing once subscribed (without -d, whose log doubles the output), and on a
 * loaded machine a fixed wait was not always enough (a late subscriber missed the first messages,
 * counted as lost): a probe message is published until every subscriber printed one.
 */
async function subscribed(b: Broker, subs: Subscriber[]): Promise<void> {
  for (let tries = 0; subs.some((s) => s.count === 0); tries++) {
    if (tries === 50) throw new Error(`${b.label}: subscribers not ready after 50 probes`);
    const probe = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(b.port), '-u', b.user, '-P', b.password, '-t', TOPIC, '-q', '0', '-m', 'probe'], { stdio: 'ignore' });
    await once(probe, 'exit');
    await new Promise((r) => setTimeout(r, 200));
  }
  // Probes still on their way arrive before the run starts.
  await new Promise((r) => setTimeout(r, 500));
  for (const s of subs) s.reset();
}

async function fanout(b: Broker, subscribers: number): Promise<Result> {
  const subs = Array.from({ length: subscribers }, () => subscriber(b));
  try {
    await subscribed(b, subs);
    const cpu0 = cpuSeconds(b.pid);
    const pub = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(b.port), '-u', b.user, '-P', b.password, '-t', TOPIC, '-q', '0', '-l'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const line = `m${'x'.repeat(60)}\n`;
    const chunk = line.repeat(1000);
    for (let sent = 0; sent < MESSAGES; sent += 1000) {
      if (!pub.stdin.write(chunk)) await once(pub.stdin, 'drain');
    }
    pub.stdin.end();
    await once(pub, 'exit');
    const got = await Promise.all(subs.map((s) => s.done(MESSAGES, 60000)));
    const received = got.reduce((n, g) => n + g.count, 0);
    const cpuUsPerDelivery = ((cpuSeconds(b.pid) - cpu0) * 1e6) / Math.max(1, received);
    const first = Math.min(...got.map((g) => g.firstAt || Infinity));
    const last = Math.max(...got.map((g) => g.lastAt));
    return { perSecond: received / Math.max(0.001, (last - first) / 1000), lost: MESSAGES * subscribers - received, cpuUsPerDelivery };
  } finally {
    for (const s of subs) s.kill();
  }
}

async function roostBroker(): Promise<Broker> {
  const child = fork(GATEWAY_SCRIPT, [], { execArgv: [...NODE_ARGS, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [ready] = (await once(child, 'message')) as [GatewayCaseReady];
  return {
    label: 'Roost (aedes)', port: Number(new URL(ready.mqttUrl).port), pid: child.pid!, user: 'admin', password: ready.password,
    close: async () => {
      const exited = once(child, 'exit');
      child.send('stop');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
      if (child.exitCode === null) child.kill();
    },
  };
}

async function mosquittoBroker(): Promise<Broker> {
  const m = await startMosquitto({ [USER]: PASSWORD });
  return { label: 'mosquitto 2.0', port: m.port, pid: pidOf(m.dir), user: USER, password: PASSWORD, close: () => m.close() };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export async function run(): Promise<void> {
  const cases: Array<[string, number]> = [['1 -> 1', 1], ['1 -> 10', 10]];
  const makers = [mosquittoBroker, roostBroker];
  const results = new Map<string, Result[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const make of makers) {
      const b = await make();
      try {
        for (const [label, n] of cases) {
          const key = `${b.label}|${label}`;
          const r = await fanout(b, n);
          results.set(key, [...(results.get(key) ?? []), r]);
        }
      } finally {
        await b.close();
      }
    }
  }
  console.log(`median of ${ROUNDS} rounds, ${MESSAGES} QoS 0 messages of 61 bytes from mosquitto_pub -l, mosquitto_sub subscribers, each broker a fresh process:`);
  for (const [label] of cases) {
    const m = results.get(`mosquitto 2.0|${label}`)!;
    const r = results.get(`Roost (aedes)|${label}`)!;
    const mRate = median(m.map((x) => x.perSecond));
    const rRate = median(r.map((x) => x.perSecond));
    console.log(`${label.padEnd(8)} mosquitto ${Math.round(mRate).toString().padStart(7)} deliveries/s, lost ${m.map((x) => x.lost).join('/')}` +
      `   Roost ${Math.round(rRate).toString().padStart(7)} deliveries/s, lost ${r.map((x) => x.lost).join('/')}   ratio ${(rRate / mRate).toFixed(2)}x (target >= 0.9x)`);
    const mCpu = median(m.map((x) => x.cpuUsPerDelivery));
    const rCpu = median(r.map((x) => x.cpuUsPerDelivery));
    console.log(`${''.padEnd(8)} broker CPU per delivery: mosquitto ${mCpu.toFixed(2)} us, Roost ${rCpu.toFixed(2)} us (${(rCpu / mCpu).toFixed(1)}x)`);
  }
}

