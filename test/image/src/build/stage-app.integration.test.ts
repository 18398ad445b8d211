import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { NATIVE_PACKAGES } from '../../../../image/src/bundle/bundle-options.js';
import { buildBundle } from '../../../../image/src/bundle/build-bundle.js';
import { runtimePath } from '../../../../image/src/bundle/runtime-files.js';
import { stageApp } from '../../../../image/src/build/stage-app.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const projectRoot = new URL('../../../..', import.meta.url).pathname;

test('the staged bundle runs outside the source tree with only its own node_modules and run-time files', async () => {
  const dir = tempDir('roost-stage-');
  try {
    const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
    const { bundleFile } = await buildBundle({ projectRoot, outDir: join(dir, 'dist'), version, commit: 'test123' });
    const staged = stageApp(projectRoot, bundleFile, join(dir, 'app'));
    assert.ok(staged.files > 50);
    const app = join(dir, 'app/roost.js');
    const out = execFileSync(process.execPath, [app, '--version'], { cwd: '/', encoding: 'utf8' });
    assert.equal(out.trim(), `roost ${version} (test123)`);
    // The commands and bindings are chunks the entry imports when used: they are staged beside it.
    assert.match(execFileSync(process.execPath, [app, 'start', '--help'], { cwd: '/', encoding: 'utf8' }), /roost start/);
    assert.ok(existsSync(join(dir, 'app/chunks')));
    // Every native addon loads from the staged folder (its .node file for this platform is there).
    const script = `const r = require('node:module').createRequire(${JSON.stringify(app)});
      for (const p of ${JSON.stringify(NATIVE_PACKAGES)}) r(p);
      const D = r('better-sqlite3'); console.log(new D(':memory:').prepare('select 41 + 1 as x').get().x);`;
    assert.equal(execFileSync(process.execPath, ['-e', script], { cwd: '/', encoding: 'utf8' }).trim(), '42');
    // The Zigbee converters are shipped whole beside the bundle: a vendor's definitions load by path.
    const zigbee = `const r = require('node:module').createRequire(${JSON.stringify(app)});
      const d = { ieeeAddr: '0x1', modelID: 'SP 120', manufacturerName: 'innr', endpoints: [], getEndpoint: () => undefined, type: 'Router', powerSource: 'Mains (single phase)' };
      r('zigbee-herdsman-converters').findByDevice(d, true).then((def) => console.log(def.vendor + ' ' + def.model));`;
    assert.equal(execFileSync(process.execPath, ['-e', zigbee], { cwd: '/', encoding: 'utf8' }).trim().split('\n').pop(), 'Innr SP 120');
    assert.ok(existsSync(join(dir, 'app/node_modules/zigbee-herdsman-converters/dist/devices/innr.js')));
    // What the bundle opens at run time is beside it, where it looks (the image's /usr/lib/roost/app).
    const scenario = runtimePath('scenarios', 'demo.yaml', pathToFileURL(app));
    assert.equal(scenario, join(dir, 'app/scenarios/demo.yaml'));
    for (const f of [scenario, join(dir, 'app/scenarios/data/boiler-temp.csv'), join(dir, 'app/ui/index.html')]) assert.ok(existsSync(f), f);
    // A bundle without them does not stage: the image would ship a demo that cannot start.
    rmSync(join(dir, 'dist/scenarios'), { recursive: true });
    assert.throws(() => stageApp(projectRoot, bundleFile, join(dir, 'app2')), /dist\/scenarios is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
