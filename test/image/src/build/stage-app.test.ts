import assert from 'node:assert/strict';
import { test } from 'node:test';
import { externalClosure, keepFile } from '../../../../image/src/build/stage-app.js';

const projectRoot = new URL('../../../..', import.meta.url).pathname;

test('what ships of a package: code, licence, this platform\'s addon; not sources, tests or other platforms', () => {
  const cases: Array<[string, boolean]> = [
    ['lib/index.js', true],
    ['package.json', true],
    ['LICENSE', true],
    ['README.md', false],
    ['src/index.js', true],
    ['src/binding.cc', false],
    ['deps/sqlite3/sqlite3.c', false],
    ['build/Release/better_sqlite3.node', true],
    ['build/Release/test_extension.node', false],
    ['build/Release/obj.target/better_sqlite3.node', false],
    ['build/Makefile', false],
    ['prebuilds/linux-x64/node.napi.glibc.node', true],
    ['prebuilds/linux-x64/node.napi.musl.node', false],
    ['prebuilds/linux-arm64/node.napi.armv8.node', false],
    ['prebuilds/win32-x64/node.napi.node', false],
    ['node.abi137.musl.node', false],
    ['test/db.test.js', false],
    ['index.d.ts', false],
    ['node_modules/debug/index.js', false],
  ];
  for (const [rel, keep] of cases) assert.equal(keepFile(rel, 'linux-x64'), keep, rel);
  assert.equal(keepFile('prebuilds/linux-arm64/node.napi.armv8.node', 'linux-arm64'), true);
});

test('the external closure holds the native packages and what they require at run time, not install tools', () => {
  const names = externalClosure(projectRoot).map((p) => p.dir);
  for (const n of ['node_modules/better-sqlite3', 'node_modules/bindings', 'node_modules/file-uri-to-path', 'node_modules/@serialport/bindings-cpp', 'node_modules/wot-thing-description-types']) {
    assert.ok(names.includes(n), n);
  }
  for (const n of ['node_modules/prebuild-install', 'node_modules/node-addon-api', 'node_modules/patch-package']) assert.ok(!names.includes(n), n);
  assert.throws(() => externalClosure(projectRoot, ['no-such-package-here']), /not installed/);
});

test('the builder\'s own compile (build/Release) ships only when asked: not where a prebuilt binary for the target exists', () => {
  assert.equal(keepFile('build/Release/noble.node', 'linux-x64', true), true);
  assert.equal(keepFile('build/Release/noble.node', 'linux-arm64', false), false);
  assert.equal(keepFile('prebuilds/linux-arm64/noble.glibc.node', 'linux-arm64', false), true);
});

test('another CPU\'s platform packages are left out of the closure', () => {
  const x64 = externalClosure(projectRoot, undefined, 'x64').map((p) => p.name);
  const arm64 = externalClosure(projectRoot, undefined, 'arm64').map((p) => p.name);
  assert.ok(x64.includes('@cbor-extract/cbor-extract-linux-x64'));
  assert.ok(!arm64.includes('@cbor-extract/cbor-extract-linux-x64'));
  assert.ok(arm64.includes('cbor-extract') && arm64.includes('better-sqlite3'));
});
