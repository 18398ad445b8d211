/**
 * ZDP descriptors (Zigbee specification 05-3474, §2.3.2): node descriptor, simple descriptor,
 * active endpoint list and MAC capability flags, as pure encoders.
 */

/** Logical type, node descriptor bits 0-2 (§2.3.2.3.1). */
export const ZdoLogicalType = { coordinator: 0, router: 1, endDevice: 2 } as const;

export interface MacCapabilities {
  /** Full-function device (router or coordinator). */
  ffd: boolean;
  mainsPowered: boolean;
  rxOnWhenIdle: boolean;
}

/** MAC capability flags (IEEE 802.15.4 §7.3.1.2, Zigbee §2.3.2.3.6); security + allocate address always set. */
export function encodeMacCapabilities(c: MacCapabilities): number {
  return (c.ffd ? 0x02 : 0) | (c.mainsPowered ? 0x04 : 0) | (c.rxOnWhenIdle ? 0x08 : 0) | 0x40 | 0x80;
}

export interface NodeDescriptor {
  logicalType: number;
  capabilities: MacCapabilities;
  manufacturerCode: number;
}

/** The 13-byte node descriptor (§2.3.2.3). */
export function encodeNodeDescriptor(n: NodeDescriptor): Buffer {
  const b = Buffer.alloc(13);
  b[0] = n.logicalType & 0x07;
  b[1] = 0x40; // frequency band bit 3: 2.4 GHz
  b[2] = encodeMacCapabilities(n.capabilities);
  b.writeUInt16LE(n.manufacturerCode, 3);
  b[5] = 0x52; // max buffer size (82)
  b.writeUInt16LE(82, 6); // max incoming transfer size
  b.writeUInt16LE(0x2c00, 8); // server mask: stack compliance revision 22
  b.writeUInt16LE(82, 10); // max outgoing transfer size
  b[12] = 0;
  return b;
}

export interface SimpleDescriptor {
  endpoint: number;
  profileId: number;
  deviceId: number;
  version?: number;
  inClusters: readonly number[];
  outClusters: readonly number[];
}

/** Simple descriptor (§2.3.2.5), prefixed with its length as in Simple_Desc_rsp (§2.4.4.2.5). */
export function encodeSimpleDescriptorWithLength(s: SimpleDescriptor): Buffer {
  const body = Buffer.alloc(8 + 2 * (s.inClusters.length + s.outClusters.length));
  let o = 0;
  body[o++] = s.endpoint;
  body.writeUInt16LE(s.profileId, o); o += 2;
  body.writeUInt16LE(s.deviceId, o); o += 2;
  body[o++] = s.version ?? 1;
  body[o++] = s.inClusters.length;
  for (const c of s.inClusters) { body.writeUInt16LE(c, o); o += 2; }
  body[o++] = s.outClusters.length;
  for (const c of s.outClusters) { body.writeUInt16LE(c, o); o += 2; }
  return Buffer.concat([Buffer.from([body.length]), body]);
}

/** Active_EP_rsp tail (§2.4.4.2.6): count and endpoint list. */
export function encodeActiveEndpoints(endpoints: readonly number[]): Buffer {
  return Buffer.from([endpoints.length, ...endpoints]);
}
