/**
 * A/B slots as systemd-boot Type #1 entries on the ESP, and the plans that change them. Pure.
 *
 * One entry per installed slot, `loader/entries/roost-<slot>[+<left>[-<done>]].conf`. systemd-boot's
 * boot counting (https://systemd.io/AUTOMATIC_BOOT_ASSESSMENT/): before booting an entry named
 * `+N-M` it renames it `+(N-1)-(M+1)`; an entry with no tries left (`+0-M`) sorts last, after
 * every other entry. Entries share `sort-key roost` and sort by `version` descending, so the
 * preferred slot is the good (or still trying) entry with the highest `version`; loader.conf's
 * `default roost-*` picks the first one.
 *
 * Install: the new slot gets `+1` (one trial boot) and the highest version. A trial boot that
 * gets healthy renames its entry to plain `roost-<slot>.conf` (good). One that does not reboots;
 * its entry is then `+0-1`, sorts last, and the old slot boots again: the fallback.
 */
import { ConflictError, PreconditionFailedError } from '../../../protocols/errors.js';

export const SLOTS = ['a', 'b'] as const;
export type Slot = (typeof SLOTS)[number];

export const ENTRIES_DIR = '/loader/entries';
export const LOADER_CONF = '/loader/loader.conf';

export interface EntryName {
  slot: Slot;
  /** Boot tries left; null when the entry has no counter (a good entry). */
  triesLeft: number | null;
  triesDone: number | null;
}

const NAME_RE = /^roost-([ab])(?:\+(\d+)(?:-(\d+))?)?\.conf$/;

export function parseEntryName(fileName: string): EntryName | null {
  const m = NAME_RE.exec(fileName);
  if (!m) return null;
  return {
    slot: m[1] as Slot,
    triesLeft: m[2] === undefined ? null : Number(m[2]),
    triesDone: m[2] === undefined ? null : Number(m[3] ?? 0),
  };
}

export function entryFileName(slot: Slot, triesLeft: number | null = null, triesDone = 0): string {
  if (triesLeft === null) return `roost-${slot}.conf`;
  return triesDone > 0 ? `roost-${slot}+${triesLeft}-${triesDone}.conf` : `roost-${slot}+${triesLeft}.conf`;
}

export function otherSlot(slot: Slot): Slot {
  return slot === 'a' ? 'b' : 'a';
}

export interface EntryFields {
  slot: Slot;
  /** Preference: the highest wins among entries that still have tries. */
  priority: number;
  /** Human-readable release, e.g. "0.1.0 (92977a13649e)". */
  release: string;
  /** Extra kernel command line from the update manifest. */
  cmdline: string;
}

/** Kernel command line every slot gets; the root is the slot's partition, read-only squashfs. */
function baseCmdline(slot: Slot): string {
  return `root=/dev/disk/by-partlabel/roost-root-${slot} rootfstype=squashfs ro roost.slot=${slot} panic=10 systemd.gpt_auto=0`;
}

export function renderEntry(e: EntryFields): string {
  const options = `${baseCmdline(e.slot)}${e.cmdline ? ` ${e.cmdline}` : ''}`;
  return [
    `title Roost ${e.release} [slot ${e.slot}]`,
    'sort-key roost',
    `version ${e.priority}`,
    `linux /roost/${e.slot}/vmlinuz`,
    `initrd /roost/${e.slot}/initrd.img`,
    `options ${options}`,
    `# roost-release ${e.release}`,
    `# roost-cmdline ${e.cmdline}`,
    '',
  ].join('\n');
}

export function parseEntry(slot: Slot, text: string): EntryFields {
  const line = (prefix: string): string | undefined =>
    text.split('\n').find((l) => l.startsWith(prefix))?.slice(prefix.length).trim();
  return {
    slot,
    priority: Number(line('version ') ?? 0) || 0,
    release: line('# roost-release ') ?? 'unknown',
    cmdline: line('# roost-cmdline ') ?? '',
  };
}

export function renderLoaderConf(): string {
  return ['default roost-*', 'timeout 0', 'editor no', 'auto-entries no', 'auto-firmware no', ''].join('\n');
}

export type SlotStatus = 'empty' | 'good' | 'pending-trial' | 'in-trial' | 'failed';

export interface SlotState {
  slot: Slot;
  status: SlotStatus;
  fileName: string | null;
  entry: EntryFields | null;
}

export interface BootState {
  booted: Slot;
  slots: Record<Slot, SlotState>;
  /** The slot systemd-boot picks next time. */
  next: Slot | null;
}

/** Classifies each slot from its entry file (name + contents) and the slot that is running. */
export function bootState(booted: Slot, entries: ReadonlyArray<{ fileName: string; text: string }>): BootState {
  const slots = {} as Record<Slot, SlotState>;
  for (const s of SLOTS) slots[s] = { slot: s, status: 'empty', fileName: null, entry: null };
  for (const { fileName, text } of [...entries].sort((x, y) => x.fileName.localeCompare(y.fileName))) {
    const n = parseEntryName(fileName);
    if (!n) continue;
    let status: SlotStatus;
    if (n.triesLeft === null) status = 'good';
    else if (n.slot === booted) status = 'in-trial';
    else status = n.triesLeft > 0 ? 'pending-trial' : 'failed';
    slots[n.slot] = { slot: n.slot, status, fileName, entry: parseEntry(n.slot, text) };
  }
  return { booted, slots, next: nextBoot(slots) };
}

/** systemd-boot's choice: entries with tries left (or no counter) first, then highest version. */
function nextBoot(slots: Record<Slot, SlotState>): Slot | null {
  const bootable = SLOTS.map((s) => slots[s]).filter((s) => s.status === 'good' || s.status === 'pending-trial');
  bootable.sort((x, y) => (y.entry?.priority ?? 0) - (x.entry?.priority ?? 0) || y.slot.localeCompare(x.slot));
  return bootable[0]?.slot ?? null;
}

/** An operation on the ESP, in order. */
export type EspOp =
  | { op: 'remove'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'write'; path: string; text: string };

const entryPath = (name: string): string => `${ENTRIES_DIR}/${name}`;

/**
 * Installing into the slot that is not running. Step 1 (before any byte is written to the slot):
 * remove its entry, so a half-written slot is never bootable. Step 2 (after the payloads are
 * written and checked): an entry with one trial boot and the highest priority.
 */
export function planInstall(state: BootState, release: string, cmdline: string, trialBoots = 1): { target: Slot; before: EspOp[]; after: EspOp[] } {
  const current = state.slots[state.booted];
  if (current.status === 'in-trial') {
    throw new ConflictError(`slot ${state.booted} is on its trial boot and not yet marked good; install after it is`);
  }
  const target = otherSlot(state.booted);
  const old = state.slots[target];
  const priority = Math.max(...SLOTS.map((s) => state.slots[s].entry?.priority ?? 0)) + 1;
  return {
    target,
    before: old.fileName ? [{ op: 'remove', path: entryPath(old.fileName) }] : [],
    after: [{ op: 'write', path: entryPath(entryFileName(target, trialBoots)), text: renderEntry({ slot: target, priority, release, cmdline }) }],
  };
}

/** Marking the running slot good: drop the boot counter from its entry name. */
export function planMarkGood(state: BootState): EspOp[] {
  const current = state.slots[state.booted];
  if (current.status !== 'in-trial' || !current.fileName) return [];
  return [{ op: 'rename', from: entryPath(current.fileName), to: entryPath(entryFileName(state.booted)) }];
}

/** Rolling back: the other slot (it must hold a good install) becomes the preferred one. */
export function planRollback(state: BootState): { target: Slot; ops: EspOp[] } {
  const target = otherSlot(state.booted);
  const other = state.slots[target];
  if (other.status !== 'good' || !other.entry || !other.fileName) {
    throw new PreconditionFailedError(`slot ${target} holds no good install to roll back to (status ${other.status})`);
  }
  const priority = Math.max(...SLOTS.map((s) => state.slots[s].entry?.priority ?? 0)) + 1;
  return {
    target,
    ops: [{ op: 'write', path: entryPath(other.fileName), text: renderEntry({ ...other.entry, priority }) }],
  };
}

/**
 * Why an update with this release need not be installed: it is what runs, it is already waiting
 * for its trial boot, or it failed its trial boot before. null: it is new.
 */
export function alreadyHandled(state: BootState, release: string): string | null {
  const running = state.slots[state.booted];
  if (running.entry?.release === release) return `slot ${state.booted} already runs ${release}`;
  const other = state.slots[otherSlot(state.booted)];
  if (other.entry?.release !== release) return null;
  if (other.status === 'failed') return `${release} failed its trial boot in slot ${other.slot} before`;
  if (other.status === 'pending-trial') return `${release} is installed in slot ${other.slot}, waiting for its trial boot`;
  return null;
}
