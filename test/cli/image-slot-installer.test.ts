import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { applianceSlotInstaller } from '../../cli/image-slot-installer.js';
import { entryFileName, renderEntry } from '../../image/src/slots/boot-entries.js';
import { tempDir } from '../helpers/gateway.js';

test('roost start gets a slot installer only on a Roost A/B image (roost.slot= on the kernel command line)', async () => {
  const dir = tempDir('roost-appliance-');
  mkdirSync(join(dir, 'esp/loader/entries'), { recursive: true });
  writeFileSync(join(dir, 'esp/loader/entries', entryFileName('b')), renderEntry({ slot: 'b', priority: 2, release: '1.2.3 (b)', cmdline: '' }));
  const env = { ROOST_IMAGE_CMDLINE: join(dir, 'cmdline'), ROOST_IMAGE_ESP: join(dir, 'esp'), ROOST_IMAGE_SLOT_A: join(dir, 'a'), ROOST_IMAGE_SLOT_B: join(dir, 'b') };
  assert.equal(applianceSlotInstaller(env), undefined, 'no command line file');
  writeFileSync(env.ROOST_IMAGE_CMDLINE, 'root=/dev/vda2 ro quiet\n');
  assert.equal(applianceSlotInstaller(env), undefined, 'a machine that is not the image');
  writeFileSync(env.ROOST_IMAGE_CMDLINE, 'root=/dev/disk/by-partlabel/roost-root-b ro roost.slot=b\n');
  const installer = applianceSlotInstaller(env);
  assert.ok(installer);
  assert.equal(installer.arch, process.arch === 'arm64' ? 'arm64' : 'amd64');
  assert.equal((await installer.running()).slot, 'b');
  rmSync(dir, { recursive: true, force: true });
});
