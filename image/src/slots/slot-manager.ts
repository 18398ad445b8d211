/**
 * The running device's A/B slots: status, install an update into the other slot, mark a trial
 * boot good, roll back. Boot entries on the ESP are changed only through the plans in
 * boot-entries.ts; the slot's root is written to its partition, checked against the signed
 * manifest, before its entry exists.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, realpathSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { PayloadTooLargeError, PreconditionFailedError } from '../../../protocols/errors.js';
import { readPayload, streamPayload, type VerifiedUpdate } from '../update/update-file.js';
import type { Arch } from '../update/update-format.js';
import { bootState, ENTRIES_DIR, planInstall, planMarkGood, planRollback, SLOTS, type BootState, type EspOp, type Slot } from './boot-entries.js';
import type { Esp } from './esp.js';

export interface DeviceLayout {
  esp: Esp;
  /** Block device (or file) holding each slot's root filesystem. */
  slotDevices: Record<Slot, string>;
  arch: Arch;
  /** Where the running kernel's command line is read (roost.slot=). */
  cmdlinePath: string;
}

export const DEFAULT_LAYOUT_PATHS = {
  espDevice: '/dev/disk/by-partlabel/roost-esp',
  slotDevices: { a: '/dev/disk/by-partlabel/roost-root-a', b: '/dev/disk/by-partlabel/roost-root-b' },
  cmdlinePath: '/proc/cmdline',
  trustedKeysDir: '/usr/share/roost/update-keys',
} as const;

export function bootedSlot(cmdline: string): Slot {
  const m = /(?:^|\s)roost\.slot=([ab])(?:\s|$)/.exec(cmdline);
  if (!m) throw new PreconditionFailedError('not running from a Roost A/B image (no roost.slot= on the kernel command line)');
  return m[1] as Slot;
}

export async function readBootState(d: DeviceLayout): Promise<BootState> {
  const booted = bootedSlot(readFileSync(d.cmdlinePath, 'utf8'));
  const names = await d.esp.list(ENTRIES_DIR);
  const entries = [];
  for (const fileName of names) entries.push({ fileName, text: (await d.esp.read(`${ENTRIES_DIR}/${fileName}`)).toString('utf8') });
  return bootState(booted, entries);
}

async function apply(esp: Esp, ops: readonly EspOp[]): Promise<void> {
  for (const o of ops) {
    if (o.op === 'remove') await esp.remove(o.path);
    else if (o.op === 'rename') await esp.rename(o.from, o.to);
    else await esp.write(o.path, o.text);
  }
}

/** Bytes a slot can hold: a block device's size from sysfs, a file's own size. */
function slotCapacityBytes(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isFile()) return st.size;
    const name = basename(realpathSync(path));
    return Number(readFileSync(`/sys/class/block/${name}/size`, 'utf8').trim()) * 512;
  } finally {
    closeSync(fd);
  }
}

export interface InstallResult {
  slot: Slot;
  release: string;
  rootfsBytes: number;
  durationMs: number;
}

/**
 * Writes a verified update into the slot that is not running and makes it the next boot, for one
 * trial boot. On any failure the slot is left without a boot entry, and the running slot stays
 * the one that boots.
 */
export async function installUpdate(d: DeviceLayout, u: VerifiedUpdate, log: (msg: string) => void = () => undefined): Promise<InstallResult> {
  const started = Date.now();
  const m = u.manifest;
  if (m.arch !== d.arch) throw new PreconditionFailedError(`update is for ${m.arch}, this device is ${d.arch}`);
  const state = await readBootState(d);
  const release = `${m.version} (${m.commit})`;
  const plan = planInstall(state, release, m.cmdline);
  const device = d.slotDevices[plan.target];
  const rootfs = m.payloads.find((p) => p.name === 'rootfs')!;
  const capacity = slotCapacityBytes(device);
  if (rootfs.size > capacity) throw new PayloadTooLargeError(`root filesystem is ${rootfs.size} bytes, slot ${plan.target} holds ${capacity}`);

  await apply(d.esp, plan.before);
  log(`writing ${rootfs.size} bytes of root filesystem to slot ${plan.target} (${device})`);
  const fd = openSync(device, 'r+');
  try {
    let at = 0;
    streamPayload(u, 'rootfs', (chunk) => {
      at += writeSync(fd, chunk, 0, chunk.length, at);
    });
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  for (const [name, file] of [['kernel', 'vmlinuz'], ['initrd', 'initrd.img']] as const) {
    await d.esp.write(`/roost/${plan.target}/${file}`, readPayload(u, name));
  }
  await apply(d.esp, plan.after);
  log(`slot ${plan.target} holds ${release}; it boots next, once, on trial`);
  return { slot: plan.target, release, rootfsBytes: rootfs.size, durationMs: Date.now() - started };
}

/** Marks the running trial boot good. Returns false when there was nothing to mark. */
export async function markGood(d: DeviceLayout): Promise<boolean> {
  const ops = planMarkGood(await readBootState(d));
  await apply(d.esp, ops);
  return ops.length > 0;
}

export async function rollback(d: DeviceLayout): Promise<Slot> {
  const plan = planRollback(await readBootState(d));
  await apply(d.esp, plan.ops);
  return plan.target;
}

export { SLOTS };
