/**
 * The disk image's GPT: ESP, root-a, root-b, data, each 1 MiB aligned, as an sfdisk script.
 * Pure: the numbers here are what disk.ts writes and what the device finds by PARTLABEL.
 */
import type { Arch } from '../update/update-format.js';

export const SECTOR_BYTES = 512;
export const MIB = 1024 * 1024;
/** Room before the first partition (protective MBR + primary GPT) and after the last (backup GPT). */
const ALIGN_MIB = 1;

/** GPT partition type GUIDs (UEFI spec; root types from the Discoverable Partitions Specification). */
const PARTITION_TYPES = {
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  rootAmd64: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709',
  rootArm64: 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE',
  linuxData: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
} as const;

export interface PartitionSpec {
  name: 'roost-esp' | 'roost-root-a' | 'roost-root-b' | 'roost-data';
  type: string;
  startMiB: number;
  sizeMiB: number;
}

export interface DiskLayout {
  partitions: PartitionSpec[];
  totalMiB: number;
}

export function diskLayout(arch: Arch, sizes: { espSizeMiB: number; slotSizeMiB: number; dataSizeMiB: number }): DiskLayout {
  const root = arch === 'arm64' ? PARTITION_TYPES.rootArm64 : PARTITION_TYPES.rootAmd64;
  const wanted: Array<Omit<PartitionSpec, 'startMiB'>> = [
    { name: 'roost-esp', type: PARTITION_TYPES.esp, sizeMiB: sizes.espSizeMiB },
    { name: 'roost-root-a', type: root, sizeMiB: sizes.slotSizeMiB },
    { name: 'roost-root-b', type: root, sizeMiB: sizes.slotSizeMiB },
    { name: 'roost-data', type: PARTITION_TYPES.linuxData, sizeMiB: sizes.dataSizeMiB },
  ];
  let at = ALIGN_MIB;
  const partitions = wanted.map((p) => {
    if (!Number.isInteger(p.sizeMiB) || p.sizeMiB < 1) throw new RangeError(`${p.name}: size must be a whole number of MiB >= 1`);
    const spec = { ...p, startMiB: at };
    at += p.sizeMiB;
    return spec;
  });
  return { partitions, totalMiB: at + ALIGN_MIB };
}

const sectors = (mib: number): number => (mib * MIB) / SECTOR_BYTES;

export function sfdiskScript(l: DiskLayout): string {
  return [
    'label: gpt',
    'unit: sectors',
    `first-lba: ${sectors(ALIGN_MIB)}`,
    ...l.partitions.map((p) => `start=${sectors(p.startMiB)}, size=${sectors(p.sizeMiB)}, type=${p.type}, name="${p.name}"`),
    '',
  ].join('\n');
}
