/**
 * Where the running device keeps its slots, ESP and trusted keys. The defaults are the image's
 * partition labels; ROOST_IMAGE_* variables point them elsewhere (a folder, a FAT image or
 * `DISK@@OFFSET` as the ESP, plain files as slots) so the same commands run against a disk image
 * on a build machine.
 */
import { statSync } from 'node:fs';
import { PreconditionFailedError } from '../../../protocols/errors.js';
import { DirEsp, MtoolsEsp, type Esp } from '../slots/esp.js';
import { DEFAULT_LAYOUT_PATHS, type DeviceLayout } from '../slots/slot-manager.js';
import type { Arch } from '../update/update-format.js';

const NODE_ARCH: Readonly<Record<string, Arch>> = { x64: 'amd64', arm64: 'arm64' };

/** A folder, a FAT partition or image, or `DISK@@OFFSET`: the ESP inside a whole disk image. */
export function openEsp(spec: string): Esp {
  const inDisk = /^(.+)@@(\d+)$/.exec(spec);
  if (inDisk) return new MtoolsEsp(inDisk[1]!, Number(inDisk[2]));
  return statSync(spec).isDirectory() ? new DirEsp(spec) : new MtoolsEsp(spec);
}

export function deviceLayout(env: NodeJS.ProcessEnv = process.env): DeviceLayout & { trustedKeysDir: string } {
  const arch = NODE_ARCH[process.arch];
  if (!arch) throw new PreconditionFailedError(`no Roost image for CPU architecture ${process.arch}`);
  return {
    esp: openEsp(env['ROOST_IMAGE_ESP'] ?? DEFAULT_LAYOUT_PATHS.espDevice),
    slotDevices: {
      a: env['ROOST_IMAGE_SLOT_A'] ?? DEFAULT_LAYOUT_PATHS.slotDevices.a,
      b: env['ROOST_IMAGE_SLOT_B'] ?? DEFAULT_LAYOUT_PATHS.slotDevices.b,
    },
    arch,
    cmdlinePath: env['ROOST_IMAGE_CMDLINE'] ?? DEFAULT_LAYOUT_PATHS.cmdlinePath,
    trustedKeysDir: env['ROOST_IMAGE_KEYS'] ?? DEFAULT_LAYOUT_PATHS.trustedKeysDir,
  };
}
