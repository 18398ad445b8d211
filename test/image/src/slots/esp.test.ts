import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openEsp } from '../../../../image/src/device/device-layout.js';
import { MtoolsEsp } from '../../../../image/src/slots/esp.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const MIB = 1024 * 1024;

test('an ESP inside a whole disk image (FILE@@OFFSET) is changed in place, the bytes around it untouched', async () => {
  const dir = tempDir('roost-esp-');
  try {
    execFileSync('mkfs.vfat', ['-C', '-F', '32', join(dir, 'esp.img'), String(34 * 1024)], { stdio: 'ignore' });
    const before = Buffer.alloc(MIB, 0xa5);
    const afterBytes = Buffer.alloc(MIB, 0x5a);
    const disk = join(dir, 'disk.img');
    writeFileSync(disk, Buffer.concat([before, readFileSync(join(dir, 'esp.img')), afterBytes]));
    const esp = openEsp(`${disk}@@${MIB}`);
    assert.ok(esp instanceof MtoolsEsp);
    await esp.write('/loader/entries/roost-a.conf', 'title a\n');
    await esp.rename('/loader/entries/roost-a.conf', '/loader/entries/roost-a+1.conf');
    assert.deepEqual(await esp.list('/loader/entries'), ['roost-a+1.conf']);
    assert.equal((await esp.read('/loader/entries/roost-a+1.conf')).toString(), 'title a\n');
    await esp.remove('/loader/entries/roost-a+1.conf');
    assert.deepEqual(await esp.list('/loader/entries'), []);
    const bytes = readFileSync(disk);
    assert.ok(bytes.subarray(0, MIB).equals(before), 'bytes before the ESP changed');
    assert.ok(bytes.subarray(bytes.length - MIB).equals(afterBytes), 'bytes after the ESP changed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an ESP offset must be a whole number of bytes', () => {
  assert.throws(() => new MtoolsEsp('/nonexistent', -512), RangeError);
  assert.throws(() => new MtoolsEsp('/nonexistent', 1.5), RangeError);
});
