/**
 * The boot test's view into a stopped VM's disk, without mounts or loop devices: partitions from
 * the GPT (`sfdisk --json`), files on the ext4 data partition (`debugfs` at an offset), and the
 * shipped `roost image` commands run against the disk image (ESP as `DISK@@OFFSET`).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SECTOR_BYTES } from '../build/disk-layout.js';

const run = promisify(execFile);

/** Byte offset of each named GPT partition. */
export async function partitionOffsets(disk: string): Promise<Record<string, number>> {
  const { stdout } = await run('sfdisk', ['--json', disk]);
  const table = (JSON.parse(stdout) as { partitiontable: { sectorsize?: number; partitions: Array<{ name?: string; start: number }> } }).partitiontable;
  const sector = table.sectorsize ?? SECTOR_BYTES;
  return Object.fromEntries(table.partitions.filter((p) => p.name).map((p) => [p.name!, p.start * sector]));
}

/** Text and permission bits of one file on an ext4 filesystem that starts `offset` bytes into `disk`. */
export async function readExt4File(disk: string, offset: number, path: string): Promise<{ text: string; mode: number }> {
  const image = `${disk}?offset=${offset}`;
  // -c (read-only, bitmaps not read): the VM is powered off hard, and a filesystem cut off while
  // mounted may have block bitmaps whose checksums the kernel had not yet written, which makes
  // debugfs refuse to open it at all (seen on the arm64 VM); reading a file needs no bitmap.
  const { stdout: text } = await run('debugfs', ['-c', '-R', `cat ${path}`, image], { maxBuffer: 1024 * 1024 });
  const { stdout: stat } = await run('debugfs', ['-c', '-R', `stat ${path}`, image]);
  const mode = /Mode:\s+0?([0-7]{3,4})/.exec(stat);
  if (!mode) throw new Error(`debugfs: no ${path} on the filesystem at ${offset} in ${disk}`);
  return { text, mode: parseInt(mode[1]!, 8) };
}

/**
 * Whether the ext4 filesystem at `offset` was left mounted (its journal flagged `needs_recovery`):
 * true after the plug was pulled, false after a clean unmount.
 */
export async function ext4NeedsRecovery(disk: string, offset: number): Promise<boolean> {
  const { stdout } = await run('debugfs', ['-c', '-R', 'stats', `${disk}?offset=${offset}`]);
  const features = /^Filesystem features:\s*(.*)$/m.exec(stdout);
  if (!features) throw new Error(`debugfs: no filesystem features at ${offset} in ${disk}`);
  return features[1]!.split(/\s+/).includes('needs_recovery');
}

export interface OfflineDevice {
  /** The bundle that ships in the image (<out>/bundle/roost.js). */
  bundle: string;
  disk: string;
  espOffset: number;
  /** File holding the kernel command line of the slot that ran last (roost.slot=). */
  cmdlineFile: string;
}

/** Runs `roost image ARGS` against the stopped device's disk image; returns what it printed. */
export async function roostImageOffline(d: OfflineDevice, args: readonly string[]): Promise<string> {
  const env = { ...process.env, ROOST_IMAGE_ESP: `${d.disk}@@${d.espOffset}`, ROOST_IMAGE_CMDLINE: d.cmdlineFile };
  const { stdout } = await run(process.execPath, [d.bundle, 'image', ...args], { env });
  return stdout;
}
