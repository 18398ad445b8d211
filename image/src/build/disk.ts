/**
 * Disk assembly from files, without loop devices or mounts: an ESP made with mkfs.vfat -C and
 * filled through mtools, a GPT written by sfdisk into a sparse file, partitions placed with dd.
 */
import { readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { entryFileName, ENTRIES_DIR, LOADER_CONF, renderEntry, renderLoaderConf } from '../slots/boot-entries.js';
import { MtoolsEsp } from '../slots/esp.js';
import { ARCH_SPECS, type ImageBuildOptions } from './build-config.js';
import { diskLayout, MIB, sfdiskScript, type DiskLayout } from './disk-layout.js';
import { runTool } from './run-tool.js';

export interface EspContents {
  /** The built root filesystem folder: systemd-boot comes from it, for the image's architecture. */
  rootDir: string;
  kernel: string;
  initrd: string;
  release: string;
  cmdline: string;
}

/** Builds the ESP image: systemd-boot as the removable-media loader, loader.conf, slot a's kernel and entry. */
export async function buildEsp(o: ImageBuildOptions, file: string, c: EspContents): Promise<void> {
  rmSync(file, { force: true });
  await runTool('mkfs.vfat', ['-C', '-F', '32', '-n', 'ROOST-ESP', file, String(o.espSizeMiB * 1024)], { capture: true });
  const esp = new MtoolsEsp(file);
  const spec = ARCH_SPECS[o.arch];
  await esp.write(spec.efiBootPath, readFileSync(join(c.rootDir, spec.efiBinary)));
  await esp.write(LOADER_CONF, renderLoaderConf());
  await esp.write('/roost/a/vmlinuz', readFileSync(c.kernel));
  await esp.write('/roost/a/initrd.img', readFileSync(c.initrd));
  await esp.write(`${ENTRIES_DIR}/${entryFileName('a')}`, renderEntry({ slot: 'a', priority: 1, release: c.release, cmdline: c.cmdline }));
}

async function place(disk: string, part: string, startMiB: number, sizeMiB: number): Promise<void> {
  const bytes = statSync(part).size;
  if (bytes > sizeMiB * MIB) throw new Error(`${part} is ${bytes} bytes; its partition holds ${sizeMiB} MiB`);
  await runTool('dd', [`if=${part}`, `of=${disk}`, 'bs=1M', `seek=${startMiB}`, 'conv=notrunc,sparse', 'status=none']);
}

/** Writes the whole disk image: GPT, ESP, slot a's root; slot b and data stay zero (sparse). */
export async function assembleDisk(o: ImageBuildOptions, diskFile: string, espFile: string, rootFile: string): Promise<DiskLayout> {
  const layout = diskLayout(o.arch, o);
  rmSync(diskFile, { force: true });
  writeFileSync(diskFile, '');
  truncateSync(diskFile, layout.totalMiB * MIB);
  await runTool('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', diskFile], { input: sfdiskScript(layout), capture: true });
  const byName = new Map(layout.partitions.map((p) => [p.name, p]));
  const esp = byName.get('roost-esp')!;
  const rootA = byName.get('roost-root-a')!;
  await place(diskFile, espFile, esp.startMiB, esp.sizeMiB);
  await place(diskFile, rootFile, rootA.startMiB, rootA.sizeMiB);
  return layout;
}
