/**
 * The MT commands Roost speaks, as one table: subsystem, CMD1, name, request parameters and
 * (for SREQ) the SRSP parameters. Layouts follow the TI "Z-Stack Monitor and Test API"
 * (SWRA198) and the Z-Stack 3.x ZNP additions; ZDO requests carry the ZDP frame of the
 * Zigbee specification (05-3474, §2.4.3) after the MT destination address.
 * One generic codec (mt-params.ts) reads this table; there is no per-command code.
 */
import { MtSubsystem, MtType, type MtFrame } from './mt-frame.js';
import { decodeParams, encodeParams, type MtParam, type MtValues } from './mt-params.js';
import { FrameInvalidError } from '../errors.js';

export interface MtCommandDef {
  subsystem: number;
  id: number;
  name: string;
  /** SREQ: request answered by an SRSP; AREQ: asynchronous (either direction). */
  type: typeof MtType.SREQ | typeof MtType.AREQ;
  req: readonly MtParam[];
  rsp?: readonly MtParam[];
}

const { SYS, AF, ZDO, UTIL, APP_CNF } = MtSubsystem;
const S = MtType.SREQ;
const A = MtType.AREQ;
const STATUS: readonly MtParam[] = [['status', 'u8']];
/** MT ZDO callbacks start with the source address, then the ZDP response. */
const ZDO_RSP: readonly MtParam[] = [['srcaddr', 'u16'], ['status', 'u8'], ['nwkaddr', 'u16'], ['payload', 'rest']];

export const MT_COMMANDS: readonly MtCommandDef[] = [
  // SYS (SWRA198 §3.8)
  { subsystem: SYS, id: 0x00, name: 'resetReq', type: A, req: [['type', 'u8']] },
  { subsystem: SYS, id: 0x01, name: 'ping', type: S, req: [], rsp: [['capabilities', 'u16']] },
  { subsystem: SYS, id: 0x02, name: 'version', type: S, req: [], rsp: [['transportrev', 'u8'], ['product', 'u8'], ['majorrel', 'u8'], ['minorrel', 'u8'], ['maintrel', 'u8'], ['revision', 'u32']] },
  { subsystem: SYS, id: 0x04, name: 'getExtAddr', type: S, req: [], rsp: [['extaddress', 'ieee']] },
  { subsystem: SYS, id: 0x07, name: 'osalNvItemInit', type: S, req: [['id', 'u16'], ['len', 'u16'], ['initlen', 'u8'], ['initvalue', 'bytes']], rsp: STATUS },
  { subsystem: SYS, id: 0x08, name: 'osalNvRead', type: S, req: [['id', 'u16'], ['offset', 'u8']], rsp: [['status', 'u8'], ['len', 'u8'], ['value', 'bytes']] },
  { subsystem: SYS, id: 0x09, name: 'osalNvWrite', type: S, req: [['id', 'u16'], ['offset', 'u8'], ['len', 'u8'], ['value', 'bytes']], rsp: STATUS },
  { subsystem: SYS, id: 0x0f, name: 'stackTune', type: S, req: [['operation', 'u8'], ['value', 'u8']], rsp: [['value', 'u8']] },
  { subsystem: SYS, id: 0x12, name: 'osalNvDelete', type: S, req: [['id', 'u16'], ['len', 'u16']], rsp: STATUS },
  { subsystem: SYS, id: 0x13, name: 'osalNvLength', type: S, req: [['id', 'u16']], rsp: [['length', 'u16']] },
  { subsystem: SYS, id: 0x1c, name: 'osalNvReadExt', type: S, req: [['id', 'u16'], ['offset', 'u16']], rsp: [['status', 'u8'], ['len', 'u8'], ['value', 'bytes']] },
  { subsystem: SYS, id: 0x1d, name: 'osalNvWriteExt', type: S, req: [['id', 'u16'], ['offset', 'u16'], ['len', 'u16'], ['value', 'bytes']], rsp: STATUS },
  { subsystem: SYS, id: 0x30, name: 'nvCreate', type: S, req: [['sysid', 'u8'], ['itemid', 'u16'], ['subid', 'u16'], ['len', 'u32']], rsp: STATUS },
  { subsystem: SYS, id: 0x32, name: 'nvLength', type: S, req: [['sysid', 'u8'], ['itemid', 'u16'], ['subid', 'u16']], rsp: [['len', 'u8']] },
  { subsystem: SYS, id: 0x33, name: 'nvRead', type: S, req: [['sysid', 'u8'], ['itemid', 'u16'], ['subid', 'u16'], ['offset', 'u16'], ['len', 'u8']], rsp: [['status', 'u8'], ['len', 'u8'], ['value', 'bytes']] },
  { subsystem: SYS, id: 0x34, name: 'nvWrite', type: S, req: [['sysid', 'u8'], ['itemid', 'u16'], ['subid', 'u16'], ['offset', 'u16'], ['len', 'u8'], ['value', 'bytes']], rsp: STATUS },
  { subsystem: SYS, id: 0x80, name: 'resetInd', type: A, req: [['reason', 'u8'], ['transportrev', 'u8'], ['productid', 'u8'], ['majorrel', 'u8'], ['minorrel', 'u8'], ['hwrev', 'u8']] },
  // AF (SWRA198 §3.2)
  { subsystem: AF, id: 0x00, name: 'register', type: S, req: [['endpoint', 'u8'], ['appprofid', 'u16'], ['appdeviceid', 'u16'], ['appdevver', 'u8'], ['latencyreq', 'u8'], ['appnuminclusters', 'u8'], ['appinclusterlist', 'list16'], ['appnumoutclusters', 'u8'], ['appoutclusterlist', 'list16']], rsp: STATUS },
  { subsystem: AF, id: 0x01, name: 'dataRequest', type: S, req: [['dstaddr', 'u16'], ['destendpoint', 'u8'], ['srcendpoint', 'u8'], ['clusterid', 'u16'], ['transid', 'u8'], ['options', 'u8'], ['radius', 'u8'], ['len', 'u8'], ['data', 'bytes']], rsp: STATUS },
  { subsystem: AF, id: 0x02, name: 'dataRequestExt', type: S, req: [['dstaddrmode', 'u8'], ['dstaddr', 'ieee'], ['destendpoint', 'u8'], ['dstpanid', 'u16'], ['srcendpoint', 'u8'], ['clusterid', 'u16'], ['transid', 'u8'], ['options', 'u8'], ['radius', 'u8'], ['len', 'u16'], ['data', 'bytes']], rsp: STATUS },
  { subsystem: AF, id: 0x80, name: 'dataConfirm', type: A, req: [['status', 'u8'], ['endpoint', 'u8'], ['transid', 'u8']] },
  { subsystem: AF, id: 0x81, name: 'incomingMsg', type: A, req: [['groupid', 'u16'], ['clusterid', 'u16'], ['srcaddr', 'u16'], ['srcendpoint', 'u8'], ['dstendpoint', 'u8'], ['wasbroadcast', 'u8'], ['linkquality', 'u8'], ['securityuse', 'u8'], ['timestamp', 'u32'], ['transseqnumber', 'u8'], ['len', 'u8'], ['data', 'bytes']] },
  // ZDO requests (SWRA198 §3.12): MT destination address, then the ZDP request fields.
  { subsystem: ZDO, id: 0x00, name: 'nwkAddrReq', type: S, req: [['ieeeaddr', 'ieee'], ['reqtype', 'u8'], ['startindex', 'u8']], rsp: STATUS },
  { subsystem: ZDO, id: 0x01, name: 'ieeeAddrReq', type: S, req: [['shortaddr', 'u16'], ['reqtype', 'u8'], ['startindex', 'u8']], rsp: STATUS },
  { subsystem: ZDO, id: 0x02, name: 'nodeDescReq', type: S, req: [['dstaddr', 'u16'], ['nwkaddrofinterest', 'u16']], rsp: STATUS },
  { subsystem: ZDO, id: 0x04, name: 'simpleDescReq', type: S, req: [['dstaddr', 'u16'], ['nwkaddrofinterest', 'u16'], ['endpoint', 'u8']], rsp: STATUS },
  { subsystem: ZDO, id: 0x05, name: 'activeEpReq', type: S, req: [['dstaddr', 'u16'], ['nwkaddrofinterest', 'u16']], rsp: STATUS },
  { subsystem: ZDO, id: 0x21, name: 'bindReq', type: S, req: [['dstaddr', 'u16'], ['srcaddr', 'ieee'], ['srcendpoint', 'u8'], ['clusterid', 'u16'], ['dstaddrmode', 'u8'], ['dstaddress', 'ieee'], ['dstendpoint', 'u8']], rsp: STATUS },
  { subsystem: ZDO, id: 0x22, name: 'unbindReq', type: S, req: [['dstaddr', 'u16'], ['srcaddr', 'ieee'], ['srcendpoint', 'u8'], ['clusterid', 'u16'], ['dstaddrmode', 'u8'], ['dstaddress', 'ieee'], ['dstendpoint', 'u8']], rsp: STATUS },
  { subsystem: ZDO, id: 0x34, name: 'mgmtLeaveReq', type: S, req: [['dstaddr', 'u16'], ['deviceaddress', 'ieee'], ['flags', 'u8']], rsp: STATUS },
  { subsystem: ZDO, id: 0x36, name: 'mgmtPermitJoinReq', type: S, req: [['addrmode', 'u8'], ['dstaddr', 'u16'], ['duration', 'u8'], ['tcsignificance', 'u8']], rsp: STATUS },
  { subsystem: ZDO, id: 0x40, name: 'startupFromApp', type: S, req: [['startdelay', 'u16']], rsp: STATUS },
  { subsystem: ZDO, id: 0x45, name: 'extRouteDisc', type: S, req: [['dstaddr', 'u16'], ['options', 'u8'], ['radius', 'u8']], rsp: STATUS },
  { subsystem: ZDO, id: 0x4a, name: 'extFindGroup', type: S, req: [['endpoint', 'u8'], ['groupid', 'u16']], rsp: [['status', 'u8'], ['groupid', 'u16'], ['namelen', 'u8'], ['groupname', 'bytes']] },
  { subsystem: ZDO, id: 0x4b, name: 'extAddGroup', type: S, req: [['endpoint', 'u8'], ['groupid', 'u16'], ['namelen', 'u8'], ['groupname', 'bytes']], rsp: STATUS },
  { subsystem: ZDO, id: 0x50, name: 'extNwkInfo', type: S, req: [], rsp: [['shortaddr', 'u16'], ['devstate', 'u8'], ['panid', 'u16'], ['parentaddr', 'u16'], ['extendedpanid', 'ieee'], ['parentextaddr', 'ieee'], ['channel', 'u8']] },
  // ZDO callbacks (SWRA198 §3.12.2)
  { subsystem: ZDO, id: 0x81, name: 'ieeeAddrRsp', type: A, req: [['status', 'u8'], ['ieeeaddr', 'ieee'], ['nwkaddr', 'u16'], ['startindex', 'u8'], ['numassocdev', 'u8'], ['assocdevlist', 'list16']] },
  { subsystem: ZDO, id: 0x80, name: 'nwkAddrRsp', type: A, req: [['status', 'u8'], ['ieeeaddr', 'ieee'], ['nwkaddr', 'u16'], ['startindex', 'u8'], ['numassocdev', 'u8'], ['assocdevlist', 'list16']] },
  { subsystem: ZDO, id: 0x82, name: 'nodeDescRsp', type: A, req: ZDO_RSP },
  { subsystem: ZDO, id: 0x84, name: 'simpleDescRsp', type: A, req: ZDO_RSP },
  { subsystem: ZDO, id: 0x85, name: 'activeEpRsp', type: A, req: ZDO_RSP },
  { subsystem: ZDO, id: 0xa1, name: 'bindRsp', type: A, req: [['srcaddr', 'u16'], ['status', 'u8']] },
  { subsystem: ZDO, id: 0xa2, name: 'unbindRsp', type: A, req: [['srcaddr', 'u16'], ['status', 'u8']] },
  { subsystem: ZDO, id: 0xb4, name: 'mgmtLeaveRsp', type: A, req: [['srcaddr', 'u16'], ['status', 'u8']] },
  { subsystem: ZDO, id: 0xb6, name: 'mgmtPermitJoinRsp', type: A, req: [['srcaddr', 'u16'], ['status', 'u8']] },
  { subsystem: ZDO, id: 0xc0, name: 'stateChangeInd', type: A, req: [['state', 'u8']] },
  { subsystem: ZDO, id: 0xc1, name: 'endDeviceAnnceInd', type: A, req: [['srcaddr', 'u16'], ['nwkaddr', 'u16'], ['ieeeaddr', 'ieee'], ['capabilities', 'u8']] },
  { subsystem: ZDO, id: 0xc9, name: 'leaveInd', type: A, req: [['srcaddr', 'u16'], ['extaddr', 'ieee'], ['request', 'u8'], ['removechildren', 'u8'], ['rejoin', 'u8']] },
  { subsystem: ZDO, id: 0xca, name: 'tcDeviceInd', type: A, req: [['nwkaddr', 'u16'], ['extaddr', 'ieee'], ['parentaddr', 'u16']] },
  // UTIL (SWRA198 §3.11)
  { subsystem: UTIL, id: 0x00, name: 'getDeviceInfo', type: S, req: [], rsp: [['status', 'u8'], ['ieeeaddr', 'ieee'], ['shortaddr', 'u16'], ['devicetype', 'u8'], ['devicestate', 'u8'], ['numassocdevices', 'u8'], ['assocdeviceslist', 'list16']] },
  { subsystem: UTIL, id: 0x0a, name: 'ledControl', type: S, req: [['ledid', 'u8'], ['mode', 'u8']], rsp: STATUS },
  { subsystem: UTIL, id: 0x4a, name: 'assocGetWithAddress', type: S, req: [['extaddr', 'ieee'], ['nwkaddr', 'u16']], rsp: [['nwkaddr', 'u16'], ['addridx', 'u16'], ['noderelation', 'u8']] },
  { subsystem: UTIL, id: 0x63, name: 'assocRemove', type: S, req: [['ieeeaddr', 'ieee']], rsp: STATUS },
  { subsystem: UTIL, id: 0x64, name: 'assocAdd', type: S, req: [['ieeeaddr', 'ieee'], ['nwkaddr', 'u16'], ['noderelation', 'u8']], rsp: STATUS },
  // APP_CNF: Base Device Behaviour commissioning (Z-Stack 3.x ZNP)
  { subsystem: APP_CNF, id: 0x05, name: 'bdbStartCommissioning', type: S, req: [['mode', 'u8']], rsp: STATUS },
  { subsystem: APP_CNF, id: 0x08, name: 'bdbSetChannel', type: S, req: [['isprimary', 'u8'], ['channel', 'u32']], rsp: STATUS },
  { subsystem: APP_CNF, id: 0x80, name: 'bdbCommissioningNotification', type: A, req: [['status', 'u8'], ['mode', 'u8'], ['remainingmodes', 'u8']] },
];

const byKey = new Map(MT_COMMANDS.map((c) => [(c.subsystem << 8) | c.id, c]));
const byName = new Map(MT_COMMANDS.map((c) => [`${c.subsystem}:${c.name}`, c]));

export function findMtCommand(subsystem: number, id: number): MtCommandDef | undefined {
  return byKey.get((subsystem << 8) | id);
}

export function mtCommand(subsystem: number, name: string): MtCommandDef {
  const c = byName.get(`${subsystem}:${name}`);
  if (!c) throw new FrameInvalidError(`no MT command ${name} in subsystem ${subsystem}`);
  return c;
}

/** Builds a request (SREQ/AREQ) or, with `response`, the SRSP frame of a command. */
export function buildMtFrame(subsystem: number, name: string, values: MtValues, response = false): MtFrame {
  const c = mtCommand(subsystem, name);
  const params = response ? c.rsp : c.req;
  if (!params) throw new FrameInvalidError(`MT command ${name} has no ${response ? 'SRSP' : 'request'} layout`);
  return { type: response ? MtType.SRSP : c.type, subsystem, commandId: c.id, data: encodeParams(params, values) };
}

/** Decodes a frame's parameters by the table: a request layout for SREQ/AREQ, the SRSP layout for SRSP. */
export function parseMtFrame(f: MtFrame): { def: MtCommandDef; values: MtValues } {
  const def = findMtCommand(f.subsystem, f.commandId);
  if (!def) throw new FrameInvalidError(`unknown MT command subsystem ${f.subsystem} id 0x${f.commandId.toString(16)}`);
  const params = f.type === MtType.SRSP ? def.rsp : def.req;
  if (!params) throw new FrameInvalidError(`MT command ${def.name} has no ${f.type === MtType.SRSP ? 'SRSP' : 'request'} layout`);
  return { def, values: decodeParams(params, f.data) };
}
