/**
 * Non-volatile memory of the emulated ZNP: OSAL NV items by id, plus the network state a real
 * Z-Stack 3.x derives from them when it forms a network (the NIB and the key descriptors).
 * Item ids and layouts are Z-Stack's (ZComDef.h, nwk.h); the emulator uses the unaligned
 * (8051-style) layout, which the host detects from the 21-byte NWKKEY item.
 */

import { APS_LINK_KEY_TABLE, ZnpNvTables } from './znp-nv-tables.js';

export const NvId = {
  /** The stick's own IEEE address; when set it overrides the factory one at the next reset. */
  EXTADDR: 0x0001,
  STARTUP_OPTION: 0x0003,
  NIB: 0x0021,
  EXTENDED_PAN_ID: 0x002d,
  NWK_ACTIVE_KEY_INFO: 0x003a,
  NWK_ALTERN_KEY_INFO: 0x003b,
  PRECFGKEY: 0x0062,
  HAS_CONFIGURED_ZSTACK3: 0x0060,
  NWKKEY: 0x0082,
  PANID: 0x0083,
  CHANLIST: 0x0084,
} as const;

/** STARTUP_OPTION bit 1: clear network state on the next reset (ZDO_INITIALIZATION_CLEAR_STATE... §ZDApp). */
const STARTUP_CLEAR_STATE = 0x02;

export interface NetworkState {
  panId: number;
  extendedPanId: Buffer;
  channel: number;
  channelMask: number;
  networkKey: Buffer;
}

export class ZnpNv {
  readonly items = new Map<number, Buffer>();
  /** Extended (sysId, itemId, subId) tables: address manager, link keys, frame counters. */
  readonly tables = new ZnpNvTables();

  constructor() {
    this.defaults();
  }

  /** A factory-fresh stick: default key item present (so the host can detect the memory alignment). */
  private defaults(): void {
    this.items.set(NvId.NWKKEY, Buffer.alloc(21));
    this.items.set(NvId.STARTUP_OPTION, Buffer.from([0]));
    this.items.set(APS_LINK_KEY_TABLE, ZnpNvTables.securityManagerItem());
  }

  /** The IEEE address stored in NV (`0x` + 16 hex digits), or null when unset (all 0x00 or 0xff). */
  extAddr(): string | null {
    const b = this.items.get(NvId.EXTADDR);
    if (!b || b.length !== 8 || b.every((x) => x === 0xff) || b.every((x) => x === 0)) return null;
    return `0x${Buffer.from(b).reverse().toString('hex')}`;
  }

  get(id: number): Buffer | undefined {
    return this.items.get(id);
  }

  /** Applies STARTUP_OPTION at reset: clear-state wipes the network (what a factory reset does). */
  onReset(): boolean {
    const opt = this.items.get(NvId.STARTUP_OPTION)?.[0] ?? 0;
    if ((opt & STARTUP_CLEAR_STATE) === 0) return false;
    for (const id of [NvId.NIB, NvId.NWK_ACTIVE_KEY_INFO, NvId.NWK_ALTERN_KEY_INFO, NvId.HAS_CONFIGURED_ZSTACK3]) this.items.delete(id);
    this.items.set(NvId.NWKKEY, Buffer.alloc(21));
    this.tables.clearNetwork();
    return true;
  }

  /** Forms the network from the commissioning items the host wrote (BDB formation). */
  form(coordinatorIeee: Buffer): NetworkState {
    const panId = this.items.get(NvId.PANID)?.readUInt16LE(0) ?? 0x1a62;
    const extendedPanId = Buffer.from(this.items.get(NvId.EXTENDED_PAN_ID) ?? coordinatorIeee);
    const channelMask = this.items.get(NvId.CHANLIST)?.readUInt32LE(0) ?? 1 << 11;
    const channel = lowestChannel(channelMask);
    const networkKey = Buffer.from(this.items.get(NvId.PRECFGKEY) ?? Buffer.alloc(16, 0x01));
    const state = { panId, extendedPanId, channel, channelMask, networkKey };
    this.items.set(NvId.NIB, buildNib(state, coordinatorIeee));
    const keyInfo = Buffer.concat([Buffer.from([0]), networkKey]);
    this.items.set(NvId.NWK_ACTIVE_KEY_INFO, keyInfo);
    this.items.set(NvId.NWK_ALTERN_KEY_INFO, Buffer.from(keyInfo));
    this.items.set(NvId.NWKKEY, Buffer.concat([keyInfo, Buffer.alloc(4)]));
    return state;
  }

  /** The network state stored in the NIB, if the stick has formed one. */
  network(): NetworkState | null {
    const nib = this.items.get(NvId.NIB);
    if (!nib || nib.length < NIB_BYTES) return null;
    const key = this.items.get(NvId.NWK_ACTIVE_KEY_INFO)?.subarray(1, 17) ?? Buffer.alloc(16);
    return {
      panId: nib.readUInt16LE(NIB.panId),
      extendedPanId: Buffer.from(nib.subarray(NIB.extPanId, NIB.extPanId + 8)),
      channel: nib[NIB.channel] ?? 11,
      channelMask: nib.readUInt32LE(NIB.channelList),
      networkKey: Buffer.from(key),
    };
  }
}

function lowestChannel(mask: number): number {
  for (let c = 11; c <= 26; c++) if (mask & (1 << c)) return c;
  return 11;
}

/** Offsets in the unaligned NIB (Z-Stack nwk.h nwkIB_t). */
const NIB = { devAddress: 20, channel: 22, coordAddress: 23, coordExtAddress: 25, panId: 33, state: 35, channelList: 36, depth: 52, extPanId: 53, keyLoaded: 61, updateId: 109 } as const;
const NIB_BYTES = 110;

function buildNib(s: NetworkState, coordinatorIeee: Buffer): Buffer {
  const b = Buffer.alloc(NIB_BYTES);
  b[0] = 1; // SequenceNum
  b[1] = 5; // PassiveAckTimeout
  b[2] = 2; // MaxBroadcastRetries
  b[3] = 40; // MaxChildren
  b[4] = 15; // MaxDepth
  b[5] = 40; // MaxRouters
  b[7] = 9; // BroadcastDeliveryTime
  b[8] = 1; // ReportConstantCost
  b[9] = 2; // RouteDiscRetries
  b[11] = 1; // SecureAllFrames
  b[12] = 5; // SecurityLevel
  b[14] = 0x8f; // CapabilityFlags
  b.writeUInt16LE(7, 15); // TransactionPersistenceTime
  b[17] = 2; // nwkProtocolVersion
  b[18] = 4; // RouteDiscoveryTime
  b[19] = 60; // RouteExpiryTime
  b.writeUInt16LE(0x0000, NIB.devAddress);
  b[NIB.channel] = s.channel;
  b.writeUInt16LE(0x0000, NIB.coordAddress);
  coordinatorIeee.copy(b, NIB.coordExtAddress);
  b.writeUInt16LE(s.panId, NIB.panId);
  b[NIB.state] = 6; // NWK_ROUTER (coordinator up)
  b.writeUInt32LE(s.channelMask >>> 0, NIB.channelList);
  b[40] = 15; // beaconOrder
  b[41] = 15; // superFrameOrder
  b[NIB.depth] = 0;
  s.extendedPanId.copy(b, NIB.extPanId);
  b[NIB.keyLoaded] = 1;
  b[98] = 60; // nwkLinkStatusPeriod
  b[99] = 3; // nwkRouterAgeLimit
  b[NIB.updateId] = 0;
  return b;
}
