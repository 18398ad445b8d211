import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ext4NeedsRecovery, readExt4File } from '../../../../image/src/boot-test/offline-disk.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const OFFSET = 1024 * 1024;

/** A disk file with an ext4 filesystem 1 MiB in (as the data partition sits in the image), holding /hello. */
function disk(): string {
  const dir = tempDir('roost-offline-disk-');
  const file = join(dir, 'disk.img');
  writeFileSync(file, Buffer.alloc(0));
  execFileSync('mkfs.ext4', ['-q', '-F', '-E', `offset=${OFFSET}`, file, '4M']);
  writeFileSync(join(dir, 'hello'), 'hi\n');
  execFileSync('debugfs', ['-w', '-R', `write ${join(dir, 'hello')} hello`, `${file}?offset=${OFFSET}`], { stdio: 'ignore' });
  return file;
}

test('ext4NeedsRecovery: false for a cleanly unmounted filesystem, true once its journal is flagged for recovery', async () => {
  const file = disk();
  assert.equal(await ext4NeedsRecovery(file, OFFSET), false);
  assert.equal((await readExt4File(file, OFFSET, '/hello')).text, 'hi\n');
  // What a mounted filesystem looks like when the plug is pulled.
  execFileSync('debugfs', ['-w', '-R', 'feature needs_recovery', `${file}?offset=${OFFSET}`], { stdio: 'ignore' });
  assert.equal(await ext4NeedsRecovery(file, OFFSET), true);
});

test('ext4NeedsRecovery: no filesystem at the offset is an error, not an answer', async () => {
  const file = disk();
  await assert.rejects(ext4NeedsRecovery(file, 0));
});
