/**
 * ZCL frames (Zigbee Cluster Library 07-5123, §2.4): the header and the foundation
 * (profile-wide) commands a simulated device needs: read, write, configure reporting,
 * report and default response. Cluster-specific payloads stay raw bytes.
 */
import { FrameInvalidError } from '../errors.js';
import { decodeZclValue, encodeZclValue, isAnalogType, type ZclValue } from './zcl-types.js';

/** Foundation command ids (§2.5, Table 2-3). */
export const ZclGlobal = {
  read: 0x00, readRsp: 0x01, write: 0x02, writeUndiv: 0x03, writeRsp: 0x04, writeNoRsp: 0x05,
  configReport: 0x06, configReportRsp: 0x07, readReportConfig: 0x08, readReportConfigRsp: 0x09,
  report: 0x0a, defaultRsp: 0x0b, discover: 0x0c, discoverRsp: 0x0d,
} as const;

/** Status codes (§2.6.3, Table 2-12). */
export const ZclStatus = { SUCCESS: 0x00, FAILURE: 0x01, UNSUP_CLUSTER_COMMAND: 0x81, UNSUP_GENERAL_COMMAND: 0x82, UNSUPPORTED_ATTRIBUTE: 0x86, INVALID_VALUE: 0x87, READ_ONLY: 0x88 } as const;

export interface ZclHeader {
  /** true: cluster specific; false: foundation (profile-wide). */
  clusterSpecific: boolean;
  manufacturerCode?: number;
  /** true: server to client. */
  serverToClient: boolean;
  disableDefaultResponse: boolean;
  tsn: number;
  commandId: number;
}

export interface ZclFrame {
  header: ZclHeader;
  payload: Buffer;
}

// Frame control bits (§2.4.1.1).
const FC_CLUSTER_SPECIFIC = 0x01;
const FC_MANUFACTURER = 0x04;
const FC_SERVER_TO_CLIENT = 0x08;
const FC_DISABLE_DEFAULT_RSP = 0x10;

export function encodeZclFrame(f: ZclFrame): Buffer {
  const h = f.header;
  const fc = (h.clusterSpecific ? FC_CLUSTER_SPECIFIC : 0) | (h.manufacturerCode !== undefined ? FC_MANUFACTURER : 0)
    | (h.serverToClient ? FC_SERVER_TO_CLIENT : 0) | (h.disableDefaultResponse ? FC_DISABLE_DEFAULT_RSP : 0);
  const head = h.manufacturerCode !== undefined
    ? Buffer.from([fc, h.manufacturerCode & 0xff, h.manufacturerCode >> 8, h.tsn & 0xff, h.commandId])
    : Buffer.from([fc, h.tsn & 0xff, h.commandId]);
  return Buffer.concat([head, f.payload]);
}

export function decodeZclFrame(data: Uint8Array): ZclFrame {
  const buf = Buffer.from(data);
  if (buf.length < 3) throw new FrameInvalidError(`ZCL frame of ${buf.length} bytes is shorter than its header`);
  const fc = buf[0] ?? 0;
  const manuf = (fc & FC_MANUFACTURER) !== 0;
  const headLen = manuf ? 5 : 3;
  if (buf.length < headLen) throw new FrameInvalidError('ZCL frame shorter than its manufacturer-specific header');
  const header: ZclHeader = {
    clusterSpecific: (fc & 0x03) === FC_CLUSTER_SPECIFIC,
    serverToClient: (fc & FC_SERVER_TO_CLIENT) !== 0,
    disableDefaultResponse: (fc & FC_DISABLE_DEFAULT_RSP) !== 0,
    tsn: buf[headLen - 2] ?? 0,
    commandId: buf[headLen - 1] ?? 0,
  };
  if (manuf) header.manufacturerCode = buf.readUInt16LE(1);
  return { header, payload: buf.subarray(headLen) };
}

export interface AttributeRecord {
  id: number;
  type: number;
  value: ZclValue;
}

/** Read Attributes payload (§2.5.1): a list of attribute ids. */
export function decodeReadRequest(p: Buffer): number[] {
  if (p.length % 2 !== 0) throw new FrameInvalidError('Read Attributes payload has an odd length');
  const ids: number[] = [];
  for (let i = 0; i < p.length; i += 2) ids.push(p.readUInt16LE(i));
  return ids;
}

/** Read Attributes Response record (§2.5.2): id, status, then type and value on success. */
export function encodeReadResponse(records: Array<{ id: number; status: number; type?: number; value?: ZclValue }>): Buffer {
  return Buffer.concat(records.map((r) => {
    const head = Buffer.alloc(3);
    head.writeUInt16LE(r.id, 0);
    head[2] = r.status;
    if (r.status !== ZclStatus.SUCCESS || r.type === undefined || r.value === undefined) return head;
    return Buffer.concat([head, Buffer.from([r.type]), encodeZclValue(r.type, r.value)]);
  }));
}

/** Write Attributes (§2.5.3) and Report Attributes (§2.5.11) share the record layout: id, type, value. */
export function decodeAttributeRecords(p: Buffer): AttributeRecord[] {
  const out: AttributeRecord[] = [];
  let off = 0;
  while (off < p.length) {
    if (off + 3 > p.length) throw new FrameInvalidError('truncated ZCL attribute record');
    const id = p.readUInt16LE(off);
    const type = p[off + 2] ?? 0;
    const { value, bytes } = decodeZclValue(type, p, off + 3);
    out.push({ id, type, value });
    off += 3 + bytes;
  }
  return out;
}

export function encodeAttributeRecords(records: readonly AttributeRecord[]): Buffer {
  return Buffer.concat(records.map((r) => {
    const head = Buffer.alloc(3);
    head.writeUInt16LE(r.id, 0);
    head[2] = r.type;
    return Buffer.concat([head, encodeZclValue(r.type, r.value)]);
  }));
}

/** Write Attributes Response (§2.5.5): a single SUCCESS byte, or status + id per failed record. */
export function encodeWriteResponse(failures: Array<{ id: number; status: number }>): Buffer {
  if (failures.length === 0) return Buffer.from([ZclStatus.SUCCESS]);
  return Buffer.concat(failures.map((f) => Buffer.from([f.status, f.id & 0xff, f.id >> 8])));
}

export interface ReportingConfig {
  direction: number;
  id: number;
  type?: number;
  minIntervalS?: number;
  maxIntervalS?: number;
  change?: ZclValue;
  timeoutS?: number;
}

/** Configure Reporting records (§2.5.7.1). */
export function decodeConfigureReporting(p: Buffer): ReportingConfig[] {
  const out: ReportingConfig[] = [];
  let off = 0;
  while (off < p.length) {
    if (off + 3 > p.length) throw new FrameInvalidError('truncated Configure Reporting record');
    const direction = p[off] ?? 0;
    const id = p.readUInt16LE(off + 1);
    off += 3;
    if (direction === 0) {
      if (off + 5 > p.length) throw new FrameInvalidError('truncated Configure Reporting record');
      const type = p[off] ?? 0;
      const rec: ReportingConfig = { direction, id, type, minIntervalS: p.readUInt16LE(off + 1), maxIntervalS: p.readUInt16LE(off + 3) };
      off += 5;
      if (isAnalogType(type)) {
        const { value, bytes } = decodeZclValue(type, p, off);
        rec.change = value;
        off += bytes;
      }
      out.push(rec);
    } else {
      if (off + 2 > p.length) throw new FrameInvalidError('truncated Configure Reporting record');
      out.push({ direction, id, timeoutS: p.readUInt16LE(off) });
      off += 2;
    }
  }
  return out;
}

/** Configure Reporting Response (§2.5.8): one SUCCESS byte when every record succeeded. */
export function encodeConfigureReportingResponse(failures: Array<{ id: number; status: number; direction?: number }>): Buffer {
  if (failures.length === 0) return Buffer.from([ZclStatus.SUCCESS]);
  return Buffer.concat(failures.map((f) => Buffer.from([f.status, f.direction ?? 0, f.id & 0xff, f.id >> 8])));
}

/** Default Response (§2.5.12): the command id answered and a status. */
export function encodeDefaultResponse(commandId: number, status: number): Buffer {
  return Buffer.from([commandId, status]);
}
