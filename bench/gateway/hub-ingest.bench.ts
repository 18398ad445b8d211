/**
 * Hub ingest: property reports through the whole hub (twin, bus with one subscriber, batched
 * history in SQLite with synchronous=FULL), beside two baselines measured in the same run:
 * - single-row inserts, one transaction each (the schema of the first release, for comparison
 *   with earlier figures);
 * - raw better-sqlite3 batched inserts into the gateway's own schema (openDatabase: the real
 *   migrations and pragmas), history rows plus the twin's upserts, in transactions of the
 *   size the hub's own batches had in the same round (rows per transaction, printed): what SQLite
 *   alone costs per reading, the hub's floor.
 * Target (issue 20): >= 60,000 readings/s through the hub.
 *
 * The three cases run in turn BENCH_HUB_ROUNDS times (default 3, BENCH_HUB_MS each) and medians
 * are printed: the machine is shared and fsync latency swings. "CPU/row" is this process's user +
 * system time per row, the figure least disturbed by other load. Then one more hub run under the
 * V8 profiler (node:inspector, BENCH_HUB_PROFILE=0 leaves it out) prints where a reading's time
 * goes: time per part of the path, per reading (BENCH_HUB_PROFILE_OUT=FILE also writes that
 * profile, a .cpuprofile for Chrome's DevTools).
 *
 * BENCH_HUB_BATCH_ROWS sets store.historyBatchMaxRows for the hub and the raw loop (default: the
 * configured default), to see what the batch size is worth; that is not the benchmark.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../gateway/store/database.js';
import { TestDeviceBinding } from '../../test/helpers/fake-device-binding.js';
import { startTestGateway, tempDir } from '../../test/helpers/gateway.js';

const DURATION_MS = Number(process.env['BENCH_HUB_MS'] ?? 3000);
const ROUNDS = Number(process.env['BENCH_HUB_ROUNDS'] ?? 3);
const PROFILE = process.env['BENCH_HUB_PROFILE'] !== '0';
const PROFILE_OUT = process.env['BENCH_HUB_PROFILE_OUT'];
const TARGET = 60_000;
const SENSORS = 200;
const REPORTS_PER_TURN = 500;
const BATCH_ROWS = process.env['BENCH_HUB_BATCH_ROWS'] ? { historyBatchMaxRows: Number(process.env['BENCH_HUB_BATCH_ROWS']) } : {};

interface Measure { rate: number; cpuUs: number }
interface HubMeasure extends Measure { rssMb: number; written: number; batchRows: number; meanBatch: number; longestTxMs: number }

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `around` runs just before the readings start and just after the last is written (the profiler). */
async function hubRate(durationMs: number, around?: { start(): Promise<void>; stop(): Promise<void> }): Promise<HubMeasure> {
  const dev = new TestDeviceBinding('bench', Array.from({ length: SENSORS }, (_, i) => ({ deviceId: `s${i}`, sleepy: true })));
  const gw = await startTestGateway({ store: { synchronous: 'full', ...BATCH_ROWS }, bindings: { system: { enabled: false } } }, { extraBindings: [dev] });
  let received = 0;
  gw.hub.subscribe(() => void received++);
  const ctx = dev.ctx;
  if (!ctx) throw new Error('binding did not start');
  const ids = Array.from({ length: SENSORS }, (_, i) => dev.thingId(`s${i}`));
  const written0 = gw.hub.counters().historyRowsWritten;
  const batches0 = gw.hub.historyStore.batches;
  // The longest transaction: how long a batch holds the event loop (what every other answer waits behind).
  const store = gw.hub.historyStore;
  const flush = store.flush.bind(store);
  let longestTxMs = 0;
  store.flush = () => {
    const f0 = performance.now();
    flush();
    longestTxMs = Math.max(longestTxMs, performance.now() - f0);
  };
  await around?.start();
  let n = 0;
  const c0 = cpuMs();
  const t0 = performance.now();
  while (performance.now() - t0 < durationMs) {
    for (let k = 0; k < REPORTS_PER_TURN; k++, n++) ctx.reportProperties(ids[n % SENSORS] as string, { temperature: 20 + (n % 100) / 10 }, Date.now());
    await new Promise((r) => setImmediate(r));
  }
  gw.hub.historyStore.flush();
  const elapsed = performance.now() - t0;
  const cpu = cpuMs() - c0;
  await around?.stop();
  const rssMb = process.memoryUsage.rss() / 1e6;
  const written = gw.hub.counters().historyRowsWritten - written0;
  const batchRows = gw.hub.config.store.historyBatchMaxRows;
  const meanBatch = written / Math.max(1, gw.hub.historyStore.batches - batches0);
  await gw.stop();
  if (written !== n) throw new Error(`history lost rows: ${written} of ${n}`);
  if (received < n) await new Promise((r) => setTimeout(r, 50));
  return { rate: n / (elapsed / 1000), cpuUs: (cpu * 1000) / n, rssMb, written, batchRows, meanBatch, longestTxMs };
}

function baselineRate(): Measure {
  const dir = tempDir();
  const db = new Database(join(dir, 'b.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE history (thing_id TEXT, name TEXT, ts INTEGER, seq INTEGER, kind INTEGER, value TEXT, PRIMARY KEY (thing_id, name, ts, seq)) WITHOUT ROWID');
  const ins = db.prepare('INSERT INTO history VALUES (?, ?, ?, ?, 0, ?)');
  let n = 0;
  const c0 = cpuMs();
  const t0 = performance.now();
  while (performance.now() - t0 < DURATION_MS) {
    ins.run(`urn:roost:bench:s${n % SENSORS}`, 'temperature', Date.now(), n, String(20 + (n % 100) / 10));
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  const cpu = cpuMs() - c0;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate, cpuUs: (cpu * 1000) / n };
}

/** SQLite alone: what the hub's batches write (history rows, one twin upsert per sensor and batch), from a plain loop. */
function rawBatchedRate(batchRows: number): Measure {
  const dir = tempDir();
  const db = openDatabase({ dataDir: dir, synchronous: 'full' });
  const ins = db.prepare('INSERT INTO history (thing_id, name, ts, seq, kind, value) VALUES (?, ?, ?, ?, 0, ?)');
  const twin = db.prepare(`INSERT INTO twin (thing_id, name, value, ts, source) VALUES (?, ?, ?, ?, 'bench')
    ON CONFLICT (thing_id, name) DO UPDATE SET value = excluded.value, ts = excluded.ts WHERE excluded.ts >= twin.ts`);
  const ids = Array.from({ length: SENSORS }, (_, i) => `urn:roost:bench:s${i}`);
  const batch = db.transaction((n0: number) => {
    const ts = Date.now();
    for (let n = n0; n < n0 + batchRows; n++) ins.run(ids[n % SENSORS], 'temperature', ts, n, String(20 + (n % 100) / 10));
    for (let i = 0; i < Math.min(batchRows, SENSORS); i++) twin.run(ids[(n0 + i) % SENSORS], 'temperature', '21.5', ts);
  });
  let n = 1;
  const c0 = cpuMs();
  const t0 = performance.now();
  while (performance.now() - t0 < DURATION_MS) {
    batch(n);
    n += batchRows;
  }
  const rate = (n - 1) / ((performance.now() - t0) / 1000);
  const cpu = cpuMs() - c0;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate, cpuUs: (cpu * 1000) / (n - 1) };
}

/**
 * Parts of the path, by the files on a sample's stack: a sample counts for the innermost frame
 * that matches a part (a native call such as a statement's run() counts for its JS caller, aedes
 * for the MQTT publisher that called it), the first match in this list winning within a frame.
 */
const PARTS: ReadonlyArray<[string, RegExp]> = [
  ['SQLite: statements, commit, fsync', /better-sqlite3|gateway\/store\//],
  ['value validation (ajv)', /\/ajv|fast-uri|value-validator|device-value-guard/],
  ['twin', /gateway\/hub\/twin/],
  ['bus and its subscribers (MQTT, rules)', /event-bus|gateway\/mqtt\/|gateway\/rules\/|gateway\/api\/|aedes|qlobber|mqemitter|mqtt-packet/],
  ['hub: context, directory, record', /gateway\/hub\//],
  ['bench driver', /bench\//],
];
const OWN: ReadonlyMap<string, string> = new Map([['(idle)', 'idle (waiting for the next turn)'], ['(garbage collector)', 'garbage collector']]);

interface ProfileNode { id: number; callFrame: { url: string; functionName: string }; children?: number[] }

/** One hub run under the profiler: time per part of the path, in microseconds per reading. */
async function profileBreakdown(): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  let profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } | undefined;
  const r = await hubRate(Math.min(DURATION_MS, 2000), {
    start: () => session.post('Profiler.start'),
    stop: async () => {
      ({ profile } = (await session.post('Profiler.stop')) as unknown as { profile: typeof profile });
    },
  });
  session.disconnect();
  if (!profile) return;
  if (PROFILE_OUT) writeFileSync(PROFILE_OUT, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const partOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = partOf.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id)?.callFrame;
    const up = parent.get(id);
    const part = (frame && OWN.get(frame.functionName)) ?? PARTS.find(([, re]) => re.test(frame?.url ?? ''))?.[0] ?? (up === undefined ? 'other (Node internals, timers)' : classify(up));
    partOf.set(id, part);
    return part;
  };
  const totals = new Map<string, number>();
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    const part = classify(profile.samples[i] as number);
    totals.set(part, (totals.get(part) ?? 0) + dt);
  }
  console.log(`profile of one hub run (${r.written} readings at ${r.rate.toFixed(0)}/s under the profiler), time per reading:`);
  for (const [part, us] of [...totals].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${part.padEnd(40)} ${(us / r.written).toFixed(1).padStart(7)} us  ${((100 * us) / t).toFixed(0).padStart(3)} %`);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function run(): Promise<void> {
  const base: Measure[] = [];
  const raw: Measure[] = [];
  const hub: HubMeasure[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    base.push(baselineRate());
    const h = await hubRate(DURATION_MS);
    hub.push(h);
    raw.push(rawBatchedRate(Math.max(1, Math.round(h.meanBatch))));
    console.log(`round ${round + 1}: baseline ${base[round]!.rate.toFixed(0)}, raw batched ${raw[round]!.rate.toFixed(0)}, hub ${h.rate.toFixed(0)} rows/s`);
  }
  if (ROUNDS > 0) {
  const m = (xs: Measure[]) => ({ rate: median(xs.map((x) => x.rate)), cpuUs: median(xs.map((x) => x.cpuUs)) });
  const b = m(base);
  const r = m(raw);
  const h = { ...m(hub), rssMb: median(hub.map((x) => x.rssMb)), meanBatch: median(hub.map((x) => x.meanBatch)), longestTxMs: Math.max(...hub.map((x) => x.longestTxMs)) };
  const line = (label: string, x: { rate: number; cpuUs: number }, unit: string) =>
    `${label.padEnd(62)} ${x.rate.toFixed(0).padStart(8)} ${unit}  ${x.cpuUs.toFixed(1).padStart(6)} us CPU/row`;
  console.log(`median of ${ROUNDS} rounds of ${DURATION_MS} ms, ${SENSORS} sensors, synchronous=FULL:`);
  console.log(line('baseline  single-row inserts, one transaction each', b, 'rows/s    '));
  console.log(line(`raw better-sqlite3 batched inserts, same schema (${h.meanBatch.toFixed(0)} rows/tx)`, r, 'rows/s    '));
  console.log(`${line('roost hub twin + bus + batched history', h, 'readings/s')}  RSS ${h.rssMb.toFixed(0)} MB, ${h.meanBatch.toFixed(0)} rows/tx (store.historyBatchMaxRows ${hub[0]?.batchRows}), longest transaction ${h.longestTxMs.toFixed(1)} ms`);
  console.log(`ratio hub / baseline: ${(h.rate / b.rate).toFixed(1)}x; hub / raw batched: ${(h.rate / r.rate).toFixed(2)}x`);
  console.log(`target >= ${TARGET} readings/s: hub at ${(h.rate / TARGET).toFixed(2)}x of it (raw batched SQLite at ${(r.rate / TARGET).toFixed(2)}x)`);
  }
  if (PROFILE) await profileBreakdown();
}
