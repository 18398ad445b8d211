/**
 * Hub ingest: property reports through the whole hub (twin, bus with one subscriber, batched
 * history in SQLite with synchronous=FULL) against the baseline of single-row inserts into the
 * same table with one transaction each, in the same run.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TestDeviceBinding } from '../../test/helpers/fake-device-binding.js';
import { startTestGateway, tempDir } from '../../test/helpers/gateway.js';

const DURATION_MS = 3000;
const SENSORS = 200;

async function hubRate(): Promise<{ rate: number; rssMb: number; written: number }> {
  const dev = new TestDeviceBinding('bench', Array.from({ length: SENSORS }, (_, i) => ({ deviceId: `s${i}`, sleepy: true })));
  const gw = await startTestGateway({ store: { synchronous: 'full' }, bindings: { system: { enabled: false } } }, { extraBindings: [dev] });
  let received = 0;
  gw.hub.subscribe(() => void received++);
  const ctx = dev.ctx;
  if (!ctx) throw new Error('binding did not start');
  const ids = Array.from({ length: SENSORS }, (_, i) => dev.thingId(`s${i}`));
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < DURATION_MS) {
    for (let k = 0; k < 500; k++, n++) ctx.reportProperties(ids[n % SENSORS] as string, { temperature: 20 + (n % 100) / 10 }, Date.now());
    await new Promise((r) => setImmediate(r));
  }
  gw.hub.historyStore.flush();
  const elapsed = performance.now() - t0;
  const rssMb = process.memoryUsage.rss() / 1e6;
  const written = gw.hub.counters().historyRowsWritten;
  await gw.stop();
  if (written !== n) throw new Error(`history lost rows: ${written} of ${n}`);
  if (received < n) await new Promise((r) => setTimeout(r, 50));
  return { rate: n / (elapsed / 1000), rssMb, written };
}

function baselineRate(): number {
  const dir = tempDir();
  const db = new Database(join(dir, 'b.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE history (thing_id TEXT, name TEXT, ts INTEGER, seq INTEGER, kind INTEGER, value TEXT, PRIMARY KEY (thing_id, name, ts, seq)) WITHOUT ROWID');
  const ins = db.prepare('INSERT INTO history VALUES (?, ?, ?, ?, 0, ?)');
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < DURATION_MS) {
    ins.run(`urn:roost:bench:s${n % SENSORS}`, 'temperature', Date.now(), n, String(20 + (n % 100) / 10));
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

export async function run(): Promise<void> {
  const base = baselineRate();
  const hub = await hubRate();
  console.log(`baseline  single-row inserts, synchronous=FULL : ${base.toFixed(0).padStart(8)} rows/s`);
  console.log(`roost hub twin + bus + batched history         : ${hub.rate.toFixed(0).padStart(8)} readings/s  (${hub.written} rows, RSS ${hub.rssMb.toFixed(0)} MB)`);
  console.log(`ratio hub / baseline                           : ${(hub.rate / base).toFixed(1)}x`);
}
