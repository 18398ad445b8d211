/** The licence check: the real lockfile passes, an unlisted licence fails, docs and code agree. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ALLOWED_LICENCES, LICENCE_EXCEPTIONS, productionPackages, unlisted } from '../../scripts/licences.js';
import { tempDir } from '../helpers/temp-dir.js';

const lock = (packages: Record<string, object>) => ({ lockfileVersion: 3, packages: { '': { name: 'roost' }, ...packages } });

test('every production dependency of this tree has a listed licence', () => {
  const pkgs = productionPackages(JSON.parse(readFileSync('package-lock.json', 'utf8')));
  assert.ok(pkgs.length > 100);
  assert.deepEqual(unlisted(pkgs), []);
  assert.ok(pkgs.some((p) => p.name === 'zigbee-on-host' && p.licence.startsWith('GPL-3.0')), 'herdsman pulls the GPL-3.0 zigbee-on-host');
  assert.ok(!pkgs.some((p) => p.name === 'typescript'), 'dev dependencies are not shipped');
});

test('an unlisted licence fails; OR expressions pass on one allowed branch; exceptions are by name', () => {
  const pkgs = productionPackages(lock({
    'node_modules/a': { version: '1.0.0', license: 'GPL-3.0-only' },
    'node_modules/b': { version: '1.0.0', license: '(MIT OR GPL-2.0)' },
    'node_modules/c': { version: '1.0.0' },
    'node_modules/d': { version: '1.0.0', license: 'AGPL-3.0', dev: true },
    'node_modules/x/node_modules/zigbee-on-host': { version: '0.2.4', license: 'GPL-3.0-or-later' },
    'node_modules/other-zoh': { version: '1.0.0', license: 'GPL-3.0-or-later' },
  }));
  assert.deepEqual(unlisted(pkgs).map((p) => `${p.name}:${p.licence}`), ['a:GPL-3.0-only', 'c:UNKNOWN', 'other-zoh:GPL-3.0-or-later']);
});

test('the CLI exits 1 on an unlisted licence and 0 on this tree', () => {
  const dir = tempDir('roost-lic-');
  try {
    const bad = join(dir, 'package-lock.json');
    writeFileSync(bad, JSON.stringify(lock({ 'node_modules/evil': { version: '1.0.0', license: 'SSPL-1.0' } })));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/licences.ts', bad], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /evil@1\.0\.0 is under SSPL-1\.0/);
    assert.equal(spawnSync(process.execPath, ['--import', 'tsx', 'scripts/licences.ts'], { encoding: 'utf8' }).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docs/licences.md lists the same allowed licences and exceptions as the check', () => {
  const doc = readFileSync('docs/licences.md', 'utf8');
  const section = doc.slice(doc.indexOf('## Allowed licences'), doc.indexOf('## Exceptions'));
  const documented = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual([...documented].sort(), [...ALLOWED_LICENCES].sort());
  for (const [name, e] of Object.entries(LICENCE_EXCEPTIONS)) assert.match(doc, new RegExp(`\\| \`${name}\` \\| \`${e.licence}\` \\|`));
});
