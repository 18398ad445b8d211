import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/gateway.js';

const bin = fileURLToPath(new URL('../../bin/roost.js', import.meta.url));

function roost(args: string[], env: Record<string, string> = {}) {
  const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  p.stdout.on('data', (c: Buffer) => (out += c.toString()));
  p.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => p.on('exit', (code, signal) => r({ code, signal })));
  return { p, exited, out: () => out, err: () => err };
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('roost start', () => {
  it('starts on an empty data dir, logs where it listens, and stops on SIGTERM within 2 s with history flushed', async () => {
    const dir = tempDir();
    const cfg = join(dir, 'roost.yaml');
    writeFileSync(cfg, [
      'http: { host: 127.0.0.1, port: 0 }',
      // roost start turns on TLS, CoAP and hardware detection (gateway/config/start-defaults.ts): here on port 0, and no detection.
      'mqtt: { host: 127.0.0.1, port: 0, tlsPort: 0 }',
      'tls: { httpsPort: 0 }',
      'detect: { enabled: false }',
      'auth: { adminPassword: cli-test-password }',
      // Long batches (start-up state writes wait for them once), so the rows are still buffered at SIGTERM.
      'store: { historyBatchMaxMs: 2000, historyBatchMaxRows: 100000 }',
      'bindings: { system: { enabled: true, intervalMs: 50 }, coap: { host: 127.0.0.1, port: 0, security: none } }',
    ].join('\n'));
    const r = roost(['start', '--config', cfg, '--data', join(dir, 'data')]);
    await waitFor(() => r.out().includes('roost gateway started'), 20000);
    const started = JSON.parse(r.out().split('\n').find((l) => l.includes('roost gateway started')) as string) as Record<string, unknown>;
    assert.equal(started['dataDir'], join(dir, 'data'));
    // The first-start block names the port CoAP bound, not the configured 0.
    const coapLine = JSON.parse(r.out().split('\n').find((l) => l.includes('coap binding listening')) as string) as { address: { port: number } };
    assert.match(r.out(), new RegExp(`CoAP\\s+coap://127\\.0\\.0\\.1:${coapLine.address.port}/ \\(security: none\\)`));
    // GET /gateway/info names the release roost start runs (package.json's version from the sources).
    const http = started['http'] as string;
    const login = await fetch(`${http}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'cli-test-password' }) });
    const { token } = (await login.json()) as { token: string };
    const info = (await (await fetch(`${http}/gateway/info`, { headers: { authorization: `Bearer ${token}` } })).json()) as { version: string; update: { state: string } | null };
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(info.version, pkg.version);
    assert.equal(info.update?.state, 'idle');
    await new Promise((res) => setTimeout(res, 500));
    const t0 = Date.now();
    r.p.kill('SIGTERM');
    const { code } = await r.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 2000, `stopped in ${Date.now() - t0} ms`);
    // History was batched for 2 s and SIGTERM came sooner; stopping must have flushed it.
    const db = new Database(join(dir, 'data', 'roost.db'), { readonly: true });
    const rows = db.prepare("SELECT COUNT(*) FROM history WHERE thing_id = 'urn:roost:system:gateway'").pluck().get() as number;
    db.close();
    assert.ok(rows >= 5, `${rows} history rows`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad config file naming the key, with exit code 78', async () => {
    const dir = tempDir();
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, '{"queue": {"maxItemsPerThing": 0}}');
    const r = roost(['start', '--config', cfg, '--data', dir]);
    const { code } = await r.exited;
    assert.equal(code, 78);
    assert.match(r.err(), /\/queue\/maxItemsPerThing: must be >= 1/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints usage for an unknown command and the version with --version', async () => {
    const bad = roost(['launch']);
    assert.equal((await bad.exited).code, 2);
    assert.match(bad.err(), /unknown command 'launch'/);
    const v = roost(['--version']);
    assert.equal((await v.exited).code, 0);
    assert.match(v.out(), /^roost \d+\.\d+\.\d+ \([0-9a-f]{7,}|unknown\)/);
  });
});
