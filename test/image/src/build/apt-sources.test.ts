import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AptSourcesError, imageSources, mirrorLines, mirrorOptionLines, parseDeb822Sources, parseOneLineSources, readBuilderSources,
} from '../../../../image/src/build/apt-sources.js';
import { tempDir } from '../../../helpers/temp-dir.js';

// Host names under .example (RFC 2606): the repository names no real mirror.
const ONE_LINE = [
  '# the main archive',
  'deb http://mirror.example/debian bookworm main contrib',
  'deb-src http://mirror.example/debian bookworm main',
  'deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://mirror.example/debian bookworm-updates main # trailing comment',
  '',
  'deb [trusted=yes] file:/srv/local-mirror bookworm-security main',
  'deb http://thirdparty.example/apt stable main',
].join('\n');

const DEB822 = [
  '# comment line',
  'Types: deb deb-src',
  'URIs: http://proxy.example:3142/debian',
  'Suites: bookworm bookworm-updates',
  'Components: main',
  'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
  '',
  'Types: deb',
  'URIs: http://proxy.example:3142/debian-security',
  'Suites: bookworm-security',
  'Components: main',
  'Architectures: arm64',
  'Signed-By:',
  ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
  ' .',
  ' -----END PGP PUBLIC KEY BLOCK-----',
  '',
  'Types: deb',
  'URIs: http://off.example/debian',
  'Suites: bookworm',
  'Components: main',
  'Enabled: no',
  '',
].join('\n');

test('one-line sources: type, options, URI, suite, components; comments and blank lines skipped', () => {
  const s = parseOneLineSources(ONE_LINE, 'x.list');
  assert.equal(s.length, 5);
  assert.deepEqual(s[0], { types: ['deb'], uris: ['http://mirror.example/debian'], suites: ['bookworm'], components: ['main', 'contrib'], options: {}, origin: 'x.list:2' });
  assert.deepEqual(s[2]!.options, { arch: 'amd64', 'signed-by': '/usr/share/keyrings/x.gpg' });
  assert.deepEqual(s[2]!.components, ['main']);
  assert.equal(s[3]!.options['trusted'], 'yes');
  assert.throws(() => parseOneLineSources('deb http://mirror.example/debian'), AptSourcesError);
  assert.throws(() => parseOneLineSources('deb [arch] http://mirror.example/debian bookworm main'), AptSourcesError);
});

test('deb822 sources: several types, URIs and suites per stanza; continuation lines; Architectures as arch', () => {
  const s = parseDeb822Sources(DEB822, 'debian.sources');
  assert.equal(s.length, 3);
  assert.deepEqual(s[0]!.types, ['deb', 'deb-src']);
  assert.deepEqual(s[0]!.suites, ['bookworm', 'bookworm-updates']);
  assert.equal(s[0]!.origin, 'debian.sources:2');
  assert.equal(s[1]!.options['arch'], 'arm64');
  assert.match(s[1]!.options['signed-by']!, /^\n?-----BEGIN PGP PUBLIC KEY BLOCK-----\n\.\n-----END/);
  assert.equal(s[2]!.options['enabled'], 'no');
  assert.throws(() => parseDeb822Sources('Types: deb\nSuites: bookworm\n'), /needs Types, URIs and Suites/);
  assert.throws(() => parseDeb822Sources(' orphan\n'), AptSourcesError);
});

test('mirror lines: binary, enabled, this release and its suites, this architecture; third-party suites left out', () => {
  const all = [...parseOneLineSources(ONE_LINE), ...parseDeb822Sources(DEB822)];
  assert.deepEqual(mirrorLines(all, 'bookworm', 'arm64'), [
    'deb http://mirror.example/debian bookworm main contrib',
    'deb [trusted=yes] file:/srv/local-mirror bookworm-security main',
    'deb http://proxy.example:3142/debian bookworm main',
    'deb http://proxy.example:3142/debian bookworm-updates main',
    'deb http://proxy.example:3142/debian-security bookworm-security main',
  ]);
  const amd64 = mirrorLines(all, 'bookworm', 'amd64');
  assert.ok(amd64.includes('deb http://mirror.example/debian bookworm-updates main'));
  assert.ok(!amd64.some((l) => l.includes('debian-security bookworm-security')));
  assert.deepEqual(mirrorLines(all, 'trixie', 'amd64'), []);
});

test('a mirror option gives the release and -updates; it must be a URI', () => {
  assert.deepEqual(mirrorOptionLines('http://mirror.example/debian', 'bookworm'), [
    'deb http://mirror.example/debian bookworm main', 'deb http://mirror.example/debian bookworm-updates main',
  ]);
  assert.throws(() => mirrorOptionLines('mirror.example', 'bookworm'), AptSourcesError);
});

test('the builder\'s files: sources.list, .list and .sources in sources.list.d, nothing else; the option wins', () => {
  const root = tempDir('roost-apt-');
  try {
    assert.throws(() => imageSources({ suite: 'bookworm', debianArch: 'amd64', root }), /no 'bookworm' entry.*MIRROR=/);
    mkdirSync(join(root, 'etc/apt/sources.list.d'), { recursive: true });
    writeFileSync(join(root, 'etc/apt/sources.list'), 'deb http://a.example/debian bookworm main\n');
    writeFileSync(join(root, 'etc/apt/sources.list.d/b.list'), 'deb http://b.example/debian bookworm-updates main\n');
    writeFileSync(join(root, 'etc/apt/sources.list.d/c.sources'), 'Types: deb\nURIs: http://c.example/debian-security\nSuites: bookworm-security\nComponents: main\n');
    writeFileSync(join(root, 'etc/apt/sources.list.d/d.list.disabled'), 'deb http://d.example/debian bookworm main\n');
    assert.equal(readBuilderSources(root).length, 3);
    assert.deepEqual(imageSources({ suite: 'bookworm', debianArch: 'amd64', root }), [
      'deb http://a.example/debian bookworm main',
      'deb http://b.example/debian bookworm-updates main',
      'deb http://c.example/debian-security bookworm-security main',
    ]);
    assert.deepEqual(imageSources({ suite: 'bookworm', debianArch: 'amd64', root, mirror: 'http://m.example/debian', extra: ['deb http://s.example/debian-security bookworm-security main'] }), [
      'deb http://m.example/debian bookworm main',
      'deb http://m.example/debian bookworm-updates main',
      'deb http://s.example/debian-security bookworm-security main',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
