import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { esbuildOptions, NATIVE_PACKAGES } from '../../../../image/src/bundle/bundle-options.js';
import { stageApp } from '../../../../image/src/build/stage-app.js';

const projectRoot = new URL('../../../..', import.meta.url).pathname;

test('the staged bundle runs outside the source tree with only its own node_modules', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roost-stage-'));
  const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  await build(esbuildOptions({ entry: join(projectRoot, 'cli/main.ts'), outFile: join(dir, 'roost.js'), metaFile: join(dir, 'meta.json'), version, commit: 'test123', target: 'node20' }));
  const staged = stageApp(projectRoot, join(dir, 'roost.js'), join(dir, 'app'), 'linux-x64');
  assert.ok(staged.files > 50);
  const out = execFileSync(process.execPath, [join(dir, 'app/roost.js'), '--version'], { cwd: '/', encoding: 'utf8' });
  assert.equal(out.trim(), `roost ${version} (test123)`);
  // Every native addon loads from the staged folder (its .node file for this platform is there).
  const script = `const r = require('node:module').createRequire(${JSON.stringify(join(dir, 'app/roost.js'))});
    for (const p of ${JSON.stringify(NATIVE_PACKAGES)}) r(p);
    const D = r('better-sqlite3'); console.log(new D(':memory:').prepare('select 41 + 1 as x').get().x);`;
  assert.equal(execFileSync(process.execPath, ['-e', script], { cwd: '/', encoding: 'utf8' }).trim(), '42');
});
