import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkBinfmt, CROSS_TARGETS, elfMachine, missingPlatformPackages } from '../../../../image/src/build/native-addons.js';
import { externalClosure } from '../../../../image/src/build/stage-app.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const projectRoot = new URL('../../../..', import.meta.url).pathname;

test('ELF machine of a binary: this Node is the builder\'s CPU; a text file is not ELF', () => {
  const hostCpu = process.arch === 'arm64' ? 'arm64' : 'x64';
  assert.equal(elfMachine(process.execPath), CROSS_TARGETS[hostCpu]!.elfMachine);
  const dir = tempDir('roost-elf-');
  try {
    writeFileSync(join(dir, 'x.node'), 'not a shared object at all');
    assert.equal(elfMachine(join(dir, 'x.node')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('platform packages the builder lacks for arm64: cbor-extract\'s linux-arm64 binary, at the version it pins', () => {
  const closure = externalClosure(projectRoot, undefined, 'arm64');
  const missing = missingPlatformPackages(projectRoot, closure, 'arm64');
  const cbor = missing.find((m) => m.name === '@cbor-extract/cbor-extract-linux-arm64');
  assert.ok(cbor, JSON.stringify(missing));
  assert.match(cbor.version, /^\d+\.\d+\.\d+$/);
  assert.deepEqual(missingPlatformPackages(projectRoot, externalClosure(projectRoot, undefined, process.arch), process.arch), []);
});

test('binfmt: an enabled qemu-user entry passes; a missing or disabled one is a clear error saying what to run', () => {
  const dir = tempDir('roost-binfmt-');
  try {
    writeFileSync(join(dir, 'qemu-aarch64'), 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n');
    writeFileSync(join(dir, 'qemu-riscv64'), 'disabled\n');
    checkBinfmt('aarch64', dir);
    assert.throws(() => checkBinfmt('riscv64', dir), /qemu-riscv64 is disabled.*update-binfmts --enable qemu-riscv64/);
    assert.throws(() => checkBinfmt('mips', dir), /qemu-mips is missing.*qemu-user-static/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
