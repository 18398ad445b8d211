import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RUNTIME_DIRS, runtimePath } from '../../../../image/src/bundle/runtime-files.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('run-time files: in the source tree from the sources, beside the bundle once bundled', () => {
  assert.equal(runtimePath('scenarios', 'demo.yaml'), join(root, 'firmware-sim/scenarios/demo.yaml'));
  for (const [name, from] of Object.entries(RUNTIME_DIRS)) assert.ok(existsSync(join(root, from)), `${name}: ${from}`);
  assert.equal(runtimePath('scenarios', 'demo.yaml', 'file:///usr/lib/roost/app/roost.js'), '/usr/lib/roost/app/scenarios/demo.yaml');
  assert.equal(runtimePath('ui', 'index.html', 'file:///work/dist/roost.js'), '/work/dist/ui/index.html');
  assert.equal(runtimePath('scenarios', 'demo.yaml', 'file:///usr/lib/roost/app/chunks/demo-ABC123.js'), '/usr/lib/roost/app/scenarios/demo.yaml');
});
