/**
 * The root filesystem: Debian with mmdebstrap (variant essential + our packages), our overlay and
 * the staged gateway (image/rootfs/hooks/*.sh), then squashed read-only. The kernel and initrd
 * are taken out of /boot for the ESP.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ImageBuildOptions } from './build-config.js';
import { ARCH_SPECS } from './build-config.js';
import { runTool } from './run-tool.js';

/** Documentation is left out of the root, except the copyright files the licence manifest reads. */
const DPKG_PATH_FILTERS: readonly string[] = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
];

function mmdebstrapArgs(o: ImageBuildOptions, rootDir: string, hooksDir: string, overlayDir: string, stageDir: string): string[] {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    '--mode=root',
    '--variant=essential',
    `--architectures=${ARCH_SPECS[o.arch].debianArch}`,
    `--include=${o.packages.join(',')}`,
    ...DPKG_PATH_FILTERS.map((f) => `--dpkgopt=${f}`),
    `--essential-hook=${q(join(hooksDir, 'essential.sh'))} "$1" ${q(overlayDir)}`,
    `--customize-hook=${q(join(hooksDir, 'customize.sh'))} "$1" ${q(overlayDir)} ${q(stageDir)}`,
    o.suite,
    rootDir,
    ...o.mirrors,
  ];
}

export async function buildRootDir(o: ImageBuildOptions, rootDir: string, hooksDir: string, overlayDir: string, stageDir: string): Promise<void> {
  rmSync(rootDir, { recursive: true, force: true });
  await runTool('mmdebstrap', mmdebstrapArgs(o, rootDir, hooksDir, overlayDir, stageDir));
}

/** Copies /boot/vmlinuz-* (uncompressed if gzip) and /boot/initrd.img-* (exactly one kernel) to outDir. */
export function extractKernel(rootDir: string, outDir: string): { kernel: string; initrd: string; kernelVersion: string } {
  const boot = join(rootDir, 'boot');
  const kernels = readdirSync(boot).filter((n) => n.startsWith('vmlinuz-'));
  if (kernels.length !== 1) throw new Error(`expected one kernel in ${boot}, found ${kernels.length}`);
  const kernelVersion = kernels[0]!.slice('vmlinuz-'.length);
  mkdirSync(outDir, { recursive: true });
  const kernel = join(outDir, 'vmlinuz');
  const initrd = join(outDir, 'initrd.img');
  const image = readFileSync(join(boot, `vmlinuz-${kernelVersion}`));
  // Debian's arm64 kernel is a gzip-compressed Image; systemd-boot can only start the uncompressed one (its PE entry point).
  writeFileSync(kernel, image[0] === 0x1f && image[1] === 0x8b ? gunzipSync(image) : image);
  cpSync(join(boot, `initrd.img-${kernelVersion}`), initrd);
  return { kernel, initrd, kernelVersion };
}

export async function squashRoot(rootDir: string, outFile: string): Promise<number> {
  rmSync(outFile, { force: true });
  // The kernel, initrd and boot loader live on the ESP; /boot stays as an empty folder.
  await runTool('mksquashfs', [rootDir, outFile, '-comp', 'zstd', '-noappend', '-quiet', '-no-progress', '-wildcards', '-e', 'boot/*', 'usr/lib/systemd/boot']);
  return statSync(outFile).size;
}
