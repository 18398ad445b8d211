import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConflictError, PayloadTooLargeError, PreconditionFailedError, UnauthenticatedError } from '../../../../protocols/errors.js';
import { entryFileName, renderEntry } from '../../../../image/src/slots/boot-entries.js';
import { DirEsp, MtoolsEsp, type Esp } from '../../../../image/src/slots/esp.js';
import { bootedSlot, installUpdate, markGood, readBootState, rollback, type DeviceLayout } from '../../../../image/src/slots/slot-manager.js';
import { generateKeyPair, type KeyPair } from '../../../../image/src/update/signing.js';
import { openUpdate, packUpdate } from '../../../../image/src/update/update-file.js';
import { tempDir } from '../../../helpers/temp-dir.js';

interface Rig {
  dir: string;
  layout: DeviceLayout;
  key: KeyPair;
  boot(slot: 'a' | 'b'): void;
}

/** A device made of files: slots are 1 MiB files, the ESP a folder or a FAT image, the cmdline a file. */
function rig(espKind: 'dir' | 'fat'): Rig {
  const dir = tempDir('roost-slots-');
  for (const s of ['a', 'b']) writeFileSync(join(dir, `slot-${s}`), Buffer.alloc(1024 * 1024));
  let esp: Esp;
  if (espKind === 'dir') {
    mkdirSync(join(dir, 'esp'));
    esp = new DirEsp(join(dir, 'esp'));
  } else {
    execFileSync('mkfs.vfat', ['-C', '-F', '32', '-n', 'TEST-ESP', join(dir, 'esp.img'), String(40 * 1024)], { stdio: 'ignore' });
    esp = new MtoolsEsp(join(dir, 'esp.img'));
  }
  const r: Rig = {
    dir,
    key: generateKeyPair(),
    layout: { esp, slotDevices: { a: join(dir, 'slot-a'), b: join(dir, 'slot-b') }, arch: 'amd64', cmdlinePath: join(dir, 'cmdline') },
    boot(slot) {
      writeFileSync(join(dir, 'cmdline'), `root=/dev/disk/by-partlabel/roost-root-${slot} ro roost.slot=${slot} quiet\n`);
    },
  };
  r.boot('a');
  return r;
}

async function installA(r: Rig): Promise<void> {
  await r.layout.esp.write(`/loader/entries/${entryFileName('a')}`, renderEntry({ slot: 'a', priority: 1, release: '1.0 (a)', cmdline: '' }));
}

function updateFile(r: Rig, name: string, rootfs: Buffer, arch: 'amd64' | 'arm64' = 'amd64'): string {
  const files = { kernel: Buffer.from('KERNEL'), initrd: Buffer.from('INITRD-bytes'), rootfs };
  for (const [n, b] of Object.entries(files)) writeFileSync(join(r.dir, `${name}.${n}`), b);
  const out = join(r.dir, `${name}.roostupd`);
  packUpdate(out, {
    manifest: { product: 'roost', arch, version: name, commit: 'c0ffee', createdAt: '2026-01-01T00:00:00Z', cmdline: 'console=ttyS0' },
    files: (['kernel', 'initrd', 'rootfs'] as const).map((n) => ({ name: n, path: join(r.dir, `${name}.${n}`) })),
    key: r.key,
  });
  return out;
}

const trusted = (r: Rig): Map<string, Uint8Array> => new Map([[r.key.keyId, r.key.publicKey]]);

for (const kind of ['dir', 'fat'] as const) {
  test(`install into the other slot, trial boot, mark good, roll back (ESP as ${kind})`, async () => {
    const r = rig(kind);
    await installA(r);
    const root = Buffer.alloc(300_000, 7);
    const res = await installUpdate(r.layout, openUpdate(updateFile(r, '2.0', root), trusted(r)));
    assert.equal(res.slot, 'b');
    assert.deepEqual(readFileSync(r.layout.slotDevices.b).subarray(0, root.length), root);
    assert.equal((await r.layout.esp.read('/roost/b/vmlinuz')).toString(), 'KERNEL');
    assert.equal((await r.layout.esp.read('/roost/b/initrd.img')).toString(), 'INITRD-bytes');
    assert.deepEqual(await r.layout.esp.list('/loader/entries'), ['roost-a.conf', 'roost-b+1.conf']);
    assert.match((await r.layout.esp.read('/loader/entries/roost-b+1.conf')).toString(), /^title Roost 2\.0 \(c0ffee\) \[slot b\]$/m);

    // systemd-boot counts the trial boot down before starting it.
    await r.layout.esp.rename('/loader/entries/roost-b+1.conf', '/loader/entries/roost-b+0-1.conf');
    r.boot('b');
    assert.equal((await readBootState(r.layout)).slots.b.status, 'in-trial');
    assert.equal(await markGood(r.layout), true);
    assert.equal(await markGood(r.layout), false);
    assert.deepEqual(await r.layout.esp.list('/loader/entries'), ['roost-a.conf', 'roost-b.conf']);
    assert.equal((await readBootState(r.layout)).next, 'b');

    assert.equal(await rollback(r.layout), 'a');
    assert.equal((await readBootState(r.layout)).next, 'a');
  });
}

test('a payload changed after signing is caught while writing, and the slot gets no boot entry', async () => {
  const r = rig('dir');
  await installA(r);
  const file = updateFile(r, '2.0', Buffer.alloc(4096, 1));
  const bytes = readFileSync(file);
  bytes[bytes.length - 10]! ^= 0xff; // inside the rootfs payload
  writeFileSync(file, bytes);
  const u = openUpdate(file, trusted(r)); // the header and its signature are intact
  await assert.rejects(installUpdate(r.layout, u), UnauthenticatedError);
  assert.deepEqual(await r.layout.esp.list('/loader/entries'), ['roost-a.conf']);
  assert.equal((await readBootState(r.layout)).next, 'a');
});

test('a changed manifest, an unknown key, a short or long file are refused before anything is written', () => {
  const r = rig('dir');
  const file = updateFile(r, '2.0', Buffer.alloc(100, 1));
  const good = readFileSync(file);
  const changed = Buffer.from(good);
  changed[30]! ^= 0x01; // inside the manifest JSON
  writeFileSync(file, changed);
  assert.throws(() => openUpdate(file, trusted(r)), (e: unknown) => e instanceof UnauthenticatedError || (e instanceof Error && /manifest/.test(e.message)));
  writeFileSync(file, good);
  assert.throws(() => openUpdate(file, new Map([[generateKeyPair().keyId, generateKeyPair().publicKey]])), /does not trust/);
  writeFileSync(file, good.subarray(0, good.length - 1));
  assert.throws(() => openUpdate(file, trusted(r)), /bytes, the manifest says/);
  writeFileSync(file, Buffer.concat([good, Buffer.from([0])]));
  assert.throws(() => openUpdate(file, trusted(r)), /bytes, the manifest says/);
  assert.throws(() => openUpdate(join(r.dir, 'missing.roostupd'), trusted(r)), /cannot open .* \(ENOENT\)/);
});

test('wrong architecture, a root larger than the slot, and an install during a trial boot are refused', async () => {
  const r = rig('dir');
  await installA(r);
  await assert.rejects(installUpdate(r.layout, openUpdate(updateFile(r, 'x', Buffer.alloc(10), 'arm64'), trusted(r))), PreconditionFailedError);
  await assert.rejects(installUpdate(r.layout, openUpdate(updateFile(r, 'big', Buffer.alloc(1024 * 1024 + 1)), trusted(r))), PayloadTooLargeError);
  await installUpdate(r.layout, openUpdate(updateFile(r, '2.0', Buffer.alloc(10)), trusted(r)));
  await r.layout.esp.rename('/loader/entries/roost-b+1.conf', '/loader/entries/roost-b+0-1.conf');
  r.boot('b');
  await assert.rejects(installUpdate(r.layout, openUpdate(updateFile(r, '3.0', Buffer.alloc(10)), trusted(r))), ConflictError);
});

test('the booted slot comes from roost.slot= on the kernel command line', () => {
  assert.equal(bootedSlot('root=x roost.slot=b quiet'), 'b');
  assert.equal(bootedSlot('roost.slot=a'), 'a');
  assert.throws(() => bootedSlot('root=/dev/sda1 ro'), PreconditionFailedError);
  assert.throws(() => bootedSlot('xroost.slot=a'), PreconditionFailedError);
});
