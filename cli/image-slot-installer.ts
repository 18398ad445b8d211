/**
 * The appliance's A/B slots as the gateway's SlotInstaller (POST /update): the very installer the
 * USB path runs (`roost image update`, image/src/slots/slot-manager.ts), re-reading the checked
 * file against the image's trusted keys and writing the inactive slot's partition, kernel, initrd
 * and trial boot entry. Here, in the composition root, because gateway/ may not import image/.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { SlotInstaller } from '../gateway/update/slot-installer.js';
import { updateHandoff } from './image-update-handoff.js';
import { deviceLayout } from '../image/src/device/device-layout.js';
import { bootedSlot, DEFAULT_LAYOUT_PATHS, installUpdate, readBootState, type DeviceLayout } from '../image/src/slots/slot-manager.js';
import { readTrustedKeys } from '../image/src/update/signing.js';
import { openUpdate } from '../image/src/update/update-file.js';
import { version } from '../image/src/version.js';

export interface ImageSlotInstallerOptions {
  layout: DeviceLayout & { trustedKeysDir: string };
  /** The running release's version (this build's). */
  version: string;
  reboot: () => Promise<void>;
}

function systemctlReboot(): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('systemctl', ['reboot'], { stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`systemctl reboot exited ${String(code)}`))));
  });
}

export function imageSlotInstaller(o: ImageSlotInstallerOptions): SlotInstaller {
  return {
    arch: o.layout.arch,
    async running() {
      return { version: o.version, slot: (await readBootState(o.layout)).booted };
    },
    async install(file, log) {
      const r = await installUpdate(o.layout, openUpdate(file, readTrustedKeys(o.layout.trustedKeysDir)), log);
      return { slot: r.slot, release: r.release };
    },
    reboot: o.reboot,
  };
}

/** Where roost-update-spool.path watches (the image's data dir is /var/lib/roost/gateway, roost.service). */
const SPOOL_DIR = '/var/lib/roost/gateway/update-spool';
/** A slot install writes a root filesystem to flash: generous. */
const HANDOFF_TIMEOUT_MS = 30 * 60_000;

/**
 * The installer of the box this runs on, or undefined when it is not a Roost A/B image (no
 * roost.slot= on the kernel command line). As root it installs itself; as the image's unprivileged
 * gateway it hands the checked file to roost-update-spool.service (image-update-handoff.ts).
 */
export function applianceSlotInstaller(env: NodeJS.ProcessEnv = process.env): SlotInstaller | undefined {
  try {
    bootedSlot(readFileSync(env['ROOST_IMAGE_CMDLINE'] ?? DEFAULT_LAYOUT_PATHS.cmdlinePath, 'utf8'));
  } catch {
    return undefined;
  }
  const layout = deviceLayout(env);
  const direct = imageSlotInstaller({ layout, version: version(), reboot: systemctlReboot });
  if (process.getuid?.() === 0) return direct;
  return updateHandoff({
    arch: layout.arch, running: () => direct.running(),
    spoolDir: env['ROOST_UPDATE_SPOOL'] ?? SPOOL_DIR, resultDir: env['ROOST_UPDATE_RESULTS'] ?? '/run/roost-update', timeoutMs: HANDOFF_TIMEOUT_MS,
  });
}
