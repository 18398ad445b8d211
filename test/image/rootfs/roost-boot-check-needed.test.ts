/**
 * roost-boot-check.service's ExecCondition (image/rootfs/overlay/usr/lib/roost/roost-boot-check-needed.sh):
 * the Node boot check starts only when a boot entry on the ESP has a boot counter (on trial, or
 * failed its trial), run here against a real FAT image through mtools as on the box.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../helpers/temp-dir.js';

const SCRIPT = fileURLToPath(new URL('../../../image/rootfs/overlay/usr/lib/roost/roost-boot-check-needed.sh', import.meta.url));

/** Exit code and output of the script against an ESP holding these entry files. */
function runWith(esp: string, cmdline: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', [SCRIPT], { env: { ...process.env, ROOST_IMAGE_ESP: esp, ROOST_IMAGE_CMDLINE: cmdline } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, out: stdout + stderr });
    });
  });
}

describe('roost-boot-check-needed.sh', () => {
  let dir: string;
  let cmdline: string;
  const mtools = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

  /** A fresh FAT ESP with these files in /loader/entries. */
  function esp(entries: string[]): string {
    const img = join(dir, `esp-${entries.join('_') || 'none'}.img`);
    execFileSync('mkfs.vfat', ['-C', '-F', '32', img, String(34 * 1024)], { stdio: 'ignore' });
    execFileSync('mmd', ['-i', img, '::/loader', '::/loader/entries'], { env: mtools });
    for (const e of entries) {
      const local = join(dir, 'entry');
      writeFileSync(local, `title ${e}\n`);
      execFileSync('mcopy', ['-i', img, local, `::/loader/entries/${e}`], { env: mtools });
    }
    return img;
  }

  before(() => {
    dir = tempDir('roost-boot-check-');
    cmdline = join(dir, 'cmdline');
    writeFileSync(cmdline, 'initrd=\\roost\\b\\initrd.img root=/dev/disk/by-partlabel/roost-root-b ro roost.slot=b panic=10\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('skips the check (exit 1) on an ordinary boot: every entry good', async () => {
    const r = await runWith(esp(['roost-a.conf', 'roost-b.conf']), cmdline);
    assert.equal(r.code, 1);
    assert.match(r.out, /roost image: slot b is good; nothing to check/);
  });

  it('runs the check on a trial boot (+0-1: the try is being used) and before one (+1)', async () => {
    assert.deepEqual(await runWith(esp(['roost-a.conf', 'roost-b+0-1.conf']), cmdline), { code: 0, out: '' });
    assert.deepEqual(await runWith(esp(['roost-a.conf', 'roost-b+1.conf']), cmdline), { code: 0, out: '' });
  });

  it('runs the check after a failed trial (+0: the entry has no tries left), which it reports', async () => {
    assert.equal((await runWith(esp(['roost-a.conf', 'roost-b+0.conf']), cmdline)).code, 0);
  });

  it('runs the check when the ESP cannot be read, and says why', async () => {
    const r = await runWith(join(dir, 'no-such-esp.img'), cmdline);
    assert.equal(r.code, 0);
    assert.match(r.out, /cannot list the boot entries/);
  });
});
