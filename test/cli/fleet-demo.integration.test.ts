/**
 * `roost demo` as a newcomer runs it (a child process), on port 0 everywhere through --config:
 * the banner, live progress, the fleet's summary at the end of --duration or at Ctrl-C, exit 0,
 * the report page in the data dir, and the demo's devices of all four radio families (CoAP,
 * serial over socat pseudo-terminals, BLE, Zigbee through the emulated coordinator) in the
 * gateway's database; and how long the demo takes from its start to values of all four families.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/gateway.js';

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
/** Seconds from launching the demo to values of all four families that the test accepts (measured ~8-10 s quiet). */
const FIRST_VALUES_BOUND_S = 45;

function demo(dir: string, extra: string[]) {
  const cfg = join(dir, 'roost.yaml');
  writeFileSync(cfg, [
    'log: { level: warn }',
    'http: { host: 127.0.0.1, port: 0 }',
    'mqtt: { host: 127.0.0.1, port: 0 }',
    'auth: { adminPassword: demo-test-password }',
    'bindings: { coap: { host: 127.0.0.1, port: 0 } }',
  ].join('\n'));
  const p = spawn(process.execPath, ['--import', 'tsx', MAIN, 'demo', '--config', cfg, '--data', join(dir, 'data'), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (c: Buffer) => (out += c.toString()));
  p.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return { p, exited, out: () => out, err: () => err };
}

/** Zigbee thing ids of the demo's four Zigbee devices: IEEE 0x00124b00 + their position 24..27 in the fleet. */
const ZIGBEE_THINGS = [24, 25, 26, 27].map((i) => `urn:roost:zigbee:00124b00${i.toString(16).padStart(8, '0')}`);

/** Bindings that have a device reading in history since `sinceMs` (the coordinator's own properties are not a device's). */
function familiesWithValues(dbFile: string, sinceMs: number): string[] {
  if (!existsSync(dbFile)) return [];
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT DISTINCT t.binding AS b FROM history h JOIN things t ON t.id = h.thing_id
      WHERE t.binding IN ('coap', 'serial', 'ble', 'zigbee') AND t.id <> 'urn:roost:zigbee:coordinator' AND h.name <> 'linkquality' AND h.ts >= ?`).all(sinceMs) as Array<{ b: string }>).map((r) => r.b).sort();
  } catch {
    return []; // the gateway has not created its tables yet
  } finally {
    db.close();
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('roost demo', () => {
  // One data dir for both runs, as `make run` twice: the second run finds the first one's data.
  let dir = '';
  before(() => {
    dir = tempDir();
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the gateway and the demo fleet, reports at the end of --duration, exits 0', async () => {
    const r = demo(dir, ['--duration', '4']);
    assert.equal(await r.exited, 0, r.err());
    assert.match(r.err(), /Roost demo: the gateway and 28 simulated devices in one process/);
    assert.match(r.err(), /devices online 28\/28/);
    assert.match(r.out(), /Fleet 'demo' \(seed 2026\): 28 devices, 4 s simulated/);
    assert.match(r.out(), /coap-sleepy-sensor +16 /);
    assert.match(r.out(), /zigbee-plug +1 /);
    const page = join(dir, 'data', 'fleet-report.html');
    assert.ok(r.err().includes(`the fleet's report: ${page} (open it in a browser)`), r.err());
    assert.match(readFileSync(page, 'utf8'), /<section class="plot" data-plot="battery">[\s\S]*<svg/);
    const db = new Database(join(dir, 'data', 'roost.db'), { readonly: true });
    const things = db.prepare("SELECT id, binding FROM things WHERE binding IN ('coap', 'serial', 'ble', 'zigbee')").all() as Array<{ id: string; binding: string }>;
    db.close();
    // Herdsman forms the network before the banner; the Zigbee devices join and are interviewed while the others run.
    for (const id of ['urn:roost:zigbee:coordinator', ...ZIGBEE_THINGS]) assert.ok(things.some((t) => t.id === id), id);
    assert.equal(things.filter((t) => t.binding === 'coap').length, 18);
    assert.equal(things.filter((t) => t.binding === 'serial').length, 5, 'two MCUs and a hub of three units');
    // The GATT sensor is connected at power-on; a BTHome sensor appears at its first advertising event (one falls in these 4 s).
    assert.ok(things.some((t) => t.id === 'urn:roost:ble:d40000000017'), 'the GATT sensor ble-env-0');
    assert.ok(things.some((t) => t.id.startsWith('urn:roost:ble:a4c138')), 'a BTHome sensor');
    for (const id of ['urn:roost:coap:room-0', 'urn:roost:coap:lamp-1', 'urn:roost:serial:mcu-1', 'urn:roost:serial:hub-0-u2']) assert.ok(things.some((t) => t.id === id), id);
    assert.ok(!existsSync(join(dir, 'data', 'zigbee')), 'the demo keeps its emulated network in demo-zigbee/, never in zigbee/');
  });

  it('again on the same data dir: values of all four radio families soon after its start; Ctrl-C stops the fleet with its report, then the gateway, exit 0', async (t) => {
    const since = Date.now();
    const t0 = performance.now();
    const r = demo(dir, []);
    try {
      const db = join(dir, 'data', 'roost.db');
      let families: string[] = [];
      const seen = (): boolean => (families = familiesWithValues(db, since)).length === 4;
      await waitFor(() => seen() || r.p.exitCode !== null, 60000).catch(() => undefined);
      assert.ok(families.length === 4, `values of ${families.join(', ') || 'no family'} only (demo ${r.p.exitCode === null ? 'still running' : `exited ${r.p.exitCode}`})\n${r.err()}`);
      const firstValuesS = (performance.now() - t0) / 1000;
      t.diagnostic(`demo start to values of all four families: ${firstValuesS.toFixed(1)} s`);
      // ~10 s on a quiet machine (docs/fleet.md); the bound leaves room for a loaded test machine.
      assert.ok(firstValuesS < FIRST_VALUES_BOUND_S, `${firstValuesS.toFixed(1)} s to values of all four families`);
      r.p.kill('SIGINT');
      assert.equal(await r.exited, 0, r.err());
      assert.match(r.out(), /Fleet 'demo' .*\(stopped early\)/);
      assert.ok(existsSync(join(dir, 'data', 'fleet-report.html')), 'the report page, at Ctrl-C too');
    } finally {
      if (r.p.exitCode === null) r.p.kill('SIGKILL');
    }
  });
});
