/**
 * lazyBuiltinsPlugin: a bundled file that requires a listed built-in gets a stand-in, and the
 * real module is loaded at the stand-in's first property access, not when the bundle loads; the
 * same built-in required by any other file is left as it is. Fastify's real use (an `http2`
 * server) still works through the stand-in.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { build } from 'esbuild';
import { LAZY_BUILTINS, lazyBuiltinsPlugin } from '../../../../image/src/bundle/lazy-builtins.js';

const dir = mkdtempSync(join(tmpdir(), 'roost-lazy-builtins-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles `entry` (ES module) with the plugin and runs it; returns its stdout lines. */
async function bundleAndRun(entry: string): Promise<string[]> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.mjs`);
  await build({
    stdin: { contents: entry, resolveDir: dir, loader: 'js' }, outfile: out, bundle: true, platform: 'node', format: 'esm',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    plugins: [lazyBuiltinsPlugin([{ module: 'node:http2', importer: 'node_modules/fake-server/lib/server.js' }])], logLevel: 'silent',
  });
  return execFileSync(process.execPath, [out], { encoding: 'utf8' }).trim().split('\n');
}

// process.moduleLoadList names each built-in Node has loaded ("NativeModule http2").
const LOADED = "const loaded = () => process.moduleLoadList.includes('NativeModule http2');";

test('the listed importer gets a stand-in: http2 loads at its first use, and works', async () => {
  mkdirSync(join(dir, 'node_modules/fake-server/lib'), { recursive: true });
  writeFileSync(join(dir, 'node_modules/fake-server/lib/server.js'), [
    "const http2 = require('node:http2');",
    'module.exports = (useIt) => useIt ? typeof http2.createServer + " " + ("constants" in http2) + " " + Object.keys(http2).includes("connect") : "unused";',
  ].join('\n'));
  const lines = await bundleAndRun([
    LOADED,
    "import server from './node_modules/fake-server/lib/server.js';",
    'console.log(loaded());',
    'console.log(server(false), loaded());',
    'console.log(server(true), loaded());',
  ].join('\n'));
  assert.deepEqual(lines, ['false', 'unused false', 'function true true true']);
});

test('any other file requiring the same built-in gets the real module at once', async () => {
  mkdirSync(join(dir, 'node_modules/other/lib'), { recursive: true });
  writeFileSync(join(dir, 'node_modules/other/lib/server.js'), "const http2 = require('node:http2'); module.exports = () => typeof http2.connect;");
  const lines = await bundleAndRun([LOADED, "import other from './node_modules/other/lib/server.js';", 'console.log(loaded(), other());'].join('\n'));
  assert.deepEqual(lines, ['true function']);
});

test('the table names fastify\'s server, which requires http2 at its top for http2 servers only', async () => {
  assert.deepEqual(LAZY_BUILTINS.map((b) => b.module), ['node:http2']);
  const { readFileSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const server = createRequire(import.meta.url).resolve('fastify/lib/server.js');
  assert.ok(server.replaceAll('\\', '/').endsWith(LAZY_BUILTINS[0]!.importer));
  const uses = readFileSync(server, 'utf8').split('\n').filter((l) => /\bhttp2\./.test(l) && !l.trim().startsWith('*'));
  assert.ok(uses.every((l) => /http2\.create(Secure)?Server/.test(l)), `fastify uses http2 only to create its servers:\n${uses.join('\n')}`);
});
