/**
 * Z-Stack 3.x.0's extended NV tables (MT_SYS_NV_* over sysId/itemId/subId, SWRA198 §3.8.1.19-24)
 * and the legacy security manager item, as a factory-fresh CC26x2 stick carries them. The
 * address manager table lists the coordinator's children: joins add them, a host's restore
 * writes them back, and a device that is not in it cannot talk through this coordinator.
 * Entry layouts are Z-Stack's unaligned ones (AddrMgr.h, ZDSecMgr.h, nwk_util.h).
 */

/** SimpleLink NV system id of the Zigbee stack (nvintf.h NVINTF_SYSID_ZSTACK). */
export const SYSID_ZSTACK = 1;

/** Extended item ids (zcomdef.h ZCD_NV_EX_*). */
export const ExNvId = {
  ADDRMGR: 0x0001,
  TCLK_TABLE: 0x0004,
  APS_KEY_DATA_TABLE: 0x0006,
  NWK_SEC_MATERIAL_TABLE: 0x0007,
} as const;

/** Legacy OSAL item of the security manager entries (ZCD_NV_APS_LINK_KEY_TABLE). */
export const APS_LINK_KEY_TABLE = 0x004c;

/** AddrMgr.h ADDRMGR_USER_ASSOC: the entry is an associated child. */
const ADDRMGR_USER_ASSOC = 0x01;
const ADDRMGR_ENTRY_BYTES = 11; // user, nwkAddr, extAddr
const ADDRMGR_NOT_SET = Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

interface TableSpec {
  itemId: number;
  capacity: number;
  empty: Buffer;
}

/** Factory table sizes: smaller than a real stick's, ample for the simulated networks. */
const FACTORY_TABLES: readonly TableSpec[] = [
  { itemId: ExNvId.ADDRMGR, capacity: 128, empty: ADDRMGR_NOT_SET },
  // txFrmCntr, rxFrmCntr, extAddr, keyAttributes, keyType, seedShift
  { itemId: ExNvId.TCLK_TABLE, capacity: 16, empty: Buffer.concat([Buffer.alloc(16), Buffer.from([0xff, 0x00, 0x00])]) },
  // key, txFrmCntr, rxFrmCntr
  { itemId: ExNvId.APS_KEY_DATA_TABLE, capacity: 16, empty: Buffer.alloc(24) },
  // FrameCounter, extendedPanID
  { itemId: ExNvId.NWK_SEC_MATERIAL_TABLE, capacity: 12, empty: Buffer.alloc(12) },
];

/** Security manager: 2-byte used-count header, then (ami, keyNvId, authenticationOption) entries. */
const SECURITY_MANAGER_ENTRIES = 16;
const SECURITY_MANAGER_EMPTY = Buffer.from('feff000000', 'hex');

const key = (sysId: number, itemId: number, subId: number): string => `${sysId}:${itemId}:${subId}`;

export class ZnpNvTables {
  private readonly entries = new Map<string, Buffer>();

  constructor() {
    for (const t of FACTORY_TABLES) this.clearTable(t);
  }

  /** The legacy security manager item a factory stick carries. */
  static securityManagerItem(): Buffer {
    return Buffer.concat([Buffer.alloc(2), ...Array.from({ length: SECURITY_MANAGER_ENTRIES }, () => SECURITY_MANAGER_EMPTY)]);
  }

  get(sysId: number, itemId: number, subId: number): Buffer | undefined {
    return this.entries.get(key(sysId, itemId, subId));
  }

  /** MT_SYS_NV_CREATE: false when the entry exists already. */
  create(sysId: number, itemId: number, subId: number, length: number): boolean {
    const k = key(sysId, itemId, subId);
    if (this.entries.has(k)) return false;
    this.entries.set(k, Buffer.alloc(length));
    return true;
  }

  /** MT_SYS_NV_WRITE into an existing entry; false when absent or out of bounds. */
  write(sysId: number, itemId: number, subId: number, offset: number, value: Buffer): boolean {
    const entry = this.get(sysId, itemId, subId);
    if (!entry || offset + value.length > entry.length) return false;
    value.copy(entry, offset);
    return true;
  }

  /** Clear-state reset: the network's tables go back to their factory content. */
  clearNetwork(): void {
    for (const t of FACTORY_TABLES) {
      if (t.itemId === ExNvId.ADDRMGR || t.itemId === ExNvId.NWK_SEC_MATERIAL_TABLE) this.clearTable(t);
    }
  }

  /** Adds or updates an associated child in the address manager (on join). */
  addChild(ieee: string, nwkAddr: number): void {
    const ext = ieeeBytes(ieee);
    const slot = this.findChildSlot(ext) ?? this.findChildSlot(null);
    if (slot === undefined) throw new Error('the address manager table is full');
    const e = Buffer.alloc(ADDRMGR_ENTRY_BYTES);
    e[0] = ADDRMGR_USER_ASSOC;
    e.writeUInt16LE(nwkAddr, 1);
    ext.copy(e, 3);
    this.entries.set(key(SYSID_ZSTACK, ExNvId.ADDRMGR, slot), e);
  }

  removeChild(ieee: string): void {
    const slot = this.findChildSlot(ieeeBytes(ieee));
    if (slot !== undefined) this.entries.set(key(SYSID_ZSTACK, ExNvId.ADDRMGR, slot), Buffer.from(ADDRMGR_NOT_SET));
  }

  /** The associated child with this IEEE address (`0x` + 16 hex digits), if the table holds it. */
  child(ieee: string): { nwkAddr: number } | undefined {
    const slot = this.findChildSlot(ieeeBytes(ieee));
    const e = slot === undefined ? undefined : this.get(SYSID_ZSTACK, ExNvId.ADDRMGR, slot);
    return e && (e[0]! & ADDRMGR_USER_ASSOC) ? { nwkAddr: e.readUInt16LE(1) } : undefined;
  }

  /** Slot holding ext (or, for null, the first free slot). */
  private findChildSlot(ext: Buffer | null): number | undefined {
    for (let i = 0; ; i++) {
      const e = this.get(SYSID_ZSTACK, ExNvId.ADDRMGR, i);
      if (!e) return undefined;
      const free = e[0] === 0x00 || e.subarray(3, 11).every((b) => b === 0xff);
      if (ext === null ? free : !free && e.subarray(3, 11).equals(ext)) return i;
    }
  }

  private clearTable(t: TableSpec): void {
    for (let i = 0; i < t.capacity; i++) this.entries.set(key(SYSID_ZSTACK, t.itemId, i), Buffer.from(t.empty));
  }
}

/** IEEE address as stored in NV: little-endian (ZigBee byte order). */
export function ieeeBytes(ieee: string): Buffer {
  return Buffer.from(ieee.replace(/^0x/, ''), 'hex').reverse();
}
