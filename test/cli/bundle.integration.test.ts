/**
 * The bundle is the product: the CLI smoke table, `roost start` and `roost demo` run from a bundle
 * built as `make build` builds dist/ (image/src/bundle/build-bundle.ts), in a folder outside the
 * source tree with only node_modules beside it, as bin/roost.js runs it after `make build`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildBundle } from '../../image/src/bundle/build-bundle.js';
import { BOGUS, checkCase, cliCases, type CliCase } from './helpers/cli-cases.js';
import { tempDir } from '../helpers/temp-dir.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  p: ReturnType<typeof spawn>;
  exited: Promise<number | null>;
  out(): string;
  err(): string;
}

/** Every child started, so that a failed test leaves none behind (they would keep this file's process alive). */
const children = new Set<ReturnType<typeof spawn>>();

function roost(dir: string, argv: string[]): Run {
  const p = spawn(process.execPath, [join(dir, 'roost.js'), ...argv], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (c: Buffer) => (out += c.toString()));
  p.stderr.on('data', (c: Buffer) => (err += c.toString()));
  children.add(p);
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => {
    children.delete(p);
    r(code);
  }));
  return { p, exited, out: () => out, err: () => err };
}

async function waitFor(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Each command's --help (every command module loads in the bundle) and one of each kind of mistake:
 * the whole table runs against the sources in usage.test.ts; each case here is a Node start.
 */
function bundleCases(all: CliCase[]): CliCase[] {
  const keep = (c: CliCase): boolean =>
    (c.argv.length === 2 && c.argv[1] === '--help') ||
    ['', `fleet ${BOGUS}`, 'serial monitor --help', 'image verify'].includes(c.argv.join(' '));
  return all.filter(keep);
}

const CONFIG = [
  'log: { level: warn }',
  'http: { host: 127.0.0.1, port: 0 }',
  // roost start turns on TLS, CoAP and detection: on port 0 here, and no detection of this machine's hardware.
  'mqtt: { host: 127.0.0.1, port: 0, tlsPort: 0 }',
  'tls: { httpsPort: 0 }',
  'detect: { enabled: false }',
  'auth: { adminPassword: bundle-test-password }',
  'bindings: { coap: { host: 127.0.0.1, port: 0, security: none } }',
].join('\n');

describe('the bundle', () => {
  let dir = '';

  before(async () => {
    dir = tempDir('roost-bundle-');
    await buildBundle({ projectRoot, outDir: dir, version: '0.0.0-test', commit: 'bundle1' });
    // External packages (native addons, herdsman) are found beside the bundle, as in dist/ and the image.
    symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'roost.yaml'), CONFIG);
  });

  after(() => {
    for (const p of children) p.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers --version, --help and usage mistakes as the sources do', async () => {
    const v = roost(dir, ['--version']);
    assert.equal(await v.exited, 0);
    assert.equal(v.out().trim(), 'roost 0.0.0-test (bundle1)');
    const cases = bundleCases(await cliCases());
    // Every command's --help and the four mistakes named above (the table grows with the commands).
    assert.ok(cases.length >= 10, `${cases.length} cases`);
    // Two at a time: each is a whole Node start of the bundle.
    for (let i = 0; i < cases.length; i += 2) {
      await Promise.all(cases.slice(i, i + 2).map(async (c) => {
        const r = roost(dir, c.argv);
        checkCase(c, { code: await r.exited, stdout: r.out(), stderr: r.err() });
      }));
    }
  });

  it('roost start runs the gateway and stops on SIGTERM', async () => {
    writeFileSync(join(dir, 'start.yaml'), CONFIG.replace('level: warn', 'level: info'));
    const r = roost(dir, ['start', '--config', join(dir, 'start.yaml'), '--data', join(dir, 'start-data')]);
    await waitFor(() => r.out().includes('roost gateway started') || r.p.exitCode !== null, 20000, () => r.err());
    r.p.kill('SIGTERM');
    assert.equal(await r.exited, 0, r.err());
  });

  it('roost demo finds its scenario and data beside the bundle, runs gateway and fleet to their report', async () => {
    const data = join(dir, 'demo-data');
    const r = roost(dir, ['demo', '--config', join(dir, 'roost.yaml'), '--data', data, '--duration', '3']);
    // 0 or 1 is the fleet's verdict on its run (fleet-demo.integration.test.ts holds it to 0);
    // here what counts is that the bundle got there: no error of its own.
    const code = await r.exited;
    assert.ok(code === 0 || code === 1, `exit ${code}: ${r.err()}`);
    assert.doesNotMatch(r.err(), /^roost: /m);
    assert.match(r.err(), /Roost demo: the gateway and \d+ simulated devices in one process/);
    assert.match(r.out(), /Fleet 'demo' \(seed 2026\): \d+ devices, 3 s simulated/);
    // Every device of the scenario came up against the gateway (the meters replay data/boiler-temp.csv).
    assert.match(r.err(), /devices online (\d+)\/\1 /);
    assert.match(r.out(), /coap-sleepy-sensor +16 /);
  });
});
