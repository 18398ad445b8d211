/**
 * `roost demo` as a newcomer runs it (a child process), on port 0 everywhere through --config:
 * the banner, live progress, the fleet's summary at the end of --duration or at Ctrl-C, exit 0,
 * and the demo's CoAP and serial devices (socat pseudo-terminals) in the gateway's database.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/gateway.js';

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

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

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('roost demo', () => {
  it('runs the gateway and the demo fleet, reports at the end of --duration, exits 0', async () => {
    const dir = tempDir();
    try {
      const r = demo(dir, ['--duration', '4']);
      assert.equal(await r.exited, 0, r.err());
      assert.match(r.err(), /Roost demo: the gateway and 24 simulated devices in one process/);
      assert.match(r.err(), /devices online 24\/24/);
      assert.match(r.out(), /Fleet 'demo' \(seed 2026\): 24 devices, 4 s simulated/);
      assert.match(r.out(), /coap-sleepy-sensor +16 /);
      const db = new Database(join(dir, 'data', 'roost.db'), { readonly: true });
      const things = db.prepare("SELECT id, binding FROM things WHERE binding IN ('coap', 'serial', 'ble')").all() as Array<{ id: string; binding: string }>;
      db.close();
      assert.equal(things.filter((t) => t.binding === 'coap').length, 18);
      assert.equal(things.filter((t) => t.binding === 'serial').length, 5, 'two MCUs and a hub of three units');
      // The GATT sensor is connected at power-on; a BTHome sensor appears at its first advertising event (one falls in these 4 s).
      assert.ok(things.some((t) => t.id === 'urn:roost:ble:d40000000017'), 'the GATT sensor ble-env-0');
      assert.ok(things.some((t) => t.id.startsWith('urn:roost:ble:a4c138')), 'a BTHome sensor');
      for (const id of ['urn:roost:coap:room-0', 'urn:roost:coap:lamp-1', 'urn:roost:serial:mcu-1', 'urn:roost:serial:hub-0-u2']) assert.ok(things.some((t) => t.id === id), id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Ctrl-C stops the fleet with its report, then the gateway, exit 0', async () => {
    const dir = tempDir();
    try {
      const r = demo(dir, []);
      await waitFor(() => r.err().includes('devices online'), 30000);
      r.p.kill('SIGINT');
      assert.equal(await r.exited, 0, r.err());
      assert.match(r.out(), /Fleet 'demo' .*\(stopped early\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
