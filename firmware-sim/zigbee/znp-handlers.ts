/**
 * The emulated ZNP's request handlers: one per MT request, in one table. A handler answers
 * the SRSP values (undefined for AREQs) and may schedule callbacks through the emulator.
 * Status codes are Z-Stack's (ZComDef.h): 0x00 SUCCESS, 0x01 FAILURE, 0x09 NV_ITEM_UNINIT,
 * 0x0a NV_OPER_FAILED.
 */
import { encodeActiveEndpoints, encodeNodeDescriptor, encodeSimpleDescriptorWithLength, ZdoLogicalType } from '../../protocols/znp/zdo-descriptors.js';
import type { MtValues } from '../../protocols/znp/mt-params.js';
import { MtSubsystem } from '../../protocols/znp/mt-frame.js';
import { bytesToIeee } from '../../protocols/znp/mt-params.js';
import type { ZnpEmulator } from './znp-emulator.js';

const { SYS, ZDO, UTIL, APP_CNF } = MtSubsystem;
const OK = { status: 0x00 };
const NV_ITEM_UNINIT = 0x09;
const NV_OPER_FAILED = 0x0a;
/** Data bytes an SRSP can carry besides status and length. */
const NV_CHUNK_BYTES = 244;
/** Z-Stack device states (ZDApp.h devStates_t). */
export const DevState = { HOLD: 0, COORD_STARTING: 8, ZB_COORD: 9 } as const;

type Handler = (emu: ZnpEmulator, v: MtValues) => MtValues | undefined;

const num = (v: MtValues, k: string): number => (typeof v[k] === 'number' ? (v[k] as number) : 0);
const bytes = (v: MtValues, k: string): Buffer => Buffer.from((v[k] as Uint8Array | undefined) ?? []);

function nvRead(emu: ZnpEmulator, v: MtValues): MtValues {
  const item = emu.nv.get(num(v, 'id'));
  const offset = num(v, 'offset');
  if (!item || offset > item.length) return { status: NV_OPER_FAILED, len: 0, value: new Uint8Array() };
  const chunk = item.subarray(offset, offset + NV_CHUNK_BYTES);
  return { status: 0, len: chunk.length, value: chunk };
}

function nvWrite(emu: ZnpEmulator, v: MtValues): MtValues {
  const item = emu.nv.get(num(v, 'id'));
  const value = bytes(v, 'value');
  const offset = num(v, 'offset');
  if (!item || offset + value.length > item.length) return { status: NV_OPER_FAILED };
  value.copy(item, offset);
  return OK;
}

/** ZDO request to a device or to the coordinator itself: SRSP now, the response as a callback. */
function zdo(respond: (emu: ZnpEmulator, v: MtValues) => void): Handler {
  return (emu, v) => {
    emu.later(() => respond(emu, v));
    return OK;
  };
}

const HANDLERS: Record<string, Handler> = {
  // SYS
  [`${SYS}:resetReq`]: (emu) => { emu.reset(); return undefined; },
  [`${SYS}:ping`]: () => ({ capabilities: 0x0179 }),
  [`${SYS}:version`]: () => ({ transportrev: 2, product: 1, majorrel: 2, minorrel: 7, maintrel: 1, revision: 20210708 }),
  [`${SYS}:getExtAddr`]: (emu) => ({ extaddress: emu.ieee }),
  [`${SYS}:osalNvItemInit`]: (emu, v) => {
    const id = num(v, 'id');
    if (emu.nv.get(id)) return OK;
    const item = Buffer.alloc(num(v, 'len'));
    bytes(v, 'initvalue').copy(item);
    emu.nv.items.set(id, item);
    return { status: NV_ITEM_UNINIT };
  },
  [`${SYS}:osalNvRead`]: nvRead,
  [`${SYS}:osalNvReadExt`]: nvRead,
  [`${SYS}:osalNvWrite`]: nvWrite,
  [`${SYS}:osalNvWriteExt`]: nvWrite,
  [`${SYS}:osalNvDelete`]: (emu, v) => (emu.nv.items.delete(num(v, 'id')) ? OK : { status: NV_ITEM_UNINIT }),
  [`${SYS}:osalNvLength`]: (emu, v) => ({ length: emu.nv.get(num(v, 'id'))?.length ?? 0 }),
  // Extended (table) NV items, SWRA198 §3.8.1.19-24: address manager, key tables, frame counters.
  [`${SYS}:nvLength`]: (emu, v) => ({ len: emu.nv.tables.get(num(v, 'sysid'), num(v, 'itemid'), num(v, 'subid'))?.length ?? 0 }),
  [`${SYS}:nvRead`]: (emu, v) => {
    const entry = emu.nv.tables.get(num(v, 'sysid'), num(v, 'itemid'), num(v, 'subid'));
    const offset = num(v, 'offset');
    if (!entry || offset > entry.length) return { status: NV_OPER_FAILED, len: 0, value: new Uint8Array() };
    const chunk = entry.subarray(offset, offset + Math.min(num(v, 'len'), NV_CHUNK_BYTES));
    return { status: 0, len: chunk.length, value: chunk };
  },
  [`${SYS}:nvCreate`]: (emu, v) => (emu.nv.tables.create(num(v, 'sysid'), num(v, 'itemid'), num(v, 'subid'), num(v, 'len')) ? OK : { status: NV_OPER_FAILED }),
  [`${SYS}:nvWrite`]: (emu, v) => (emu.nv.tables.write(num(v, 'sysid'), num(v, 'itemid'), num(v, 'subid'), num(v, 'offset'), bytes(v, 'value')) ? OK : { status: NV_OPER_FAILED }),
  [`${SYS}:stackTune`]: (_emu, v) => ({ value: num(v, 'value') }),
  // AF
  [`${MtSubsystem.AF}:register`]: (emu, v) => {
    emu.endpoints.set(num(v, 'endpoint'), {
      endpoint: num(v, 'endpoint'), profileId: num(v, 'appprofid'), deviceId: num(v, 'appdeviceid'),
      inClusters: (v['appinclusterlist'] as number[]) ?? [], outClusters: (v['appoutclusterlist'] as number[]) ?? [],
    });
    return OK;
  },
  [`${MtSubsystem.AF}:dataRequest`]: (emu, v) => {
    emu.later(() => emu.routeToDevice(num(v, 'dstaddr'), num(v, 'destendpoint'), num(v, 'srcendpoint'), num(v, 'clusterid'), num(v, 'transid'), bytes(v, 'data')));
    return OK;
  },
  [`${MtSubsystem.AF}:dataRequestExt`]: (emu, v) => {
    emu.later(() => emu.send(MtSubsystem.AF, 'dataConfirm', { status: 0, endpoint: num(v, 'srcendpoint'), transid: num(v, 'transid') }));
    return OK;
  },
  // ZDO
  [`${ZDO}:nodeDescReq`]: zdo((emu, v) => {
    const addr = num(v, 'nwkaddrofinterest');
    const dev = emu.reachable(addr);
    if (addr === 0) {
      emu.send(ZDO, 'nodeDescRsp', { srcaddr: 0, status: 0, nwkaddr: 0, payload: encodeNodeDescriptor({ logicalType: ZdoLogicalType.coordinator, manufacturerCode: 0x0000, capabilities: { ffd: true, mainsPowered: true, rxOnWhenIdle: true } }) });
    } else if (dev) {
      const p = dev.profile;
      emu.send(ZDO, 'nodeDescRsp', {
        srcaddr: addr, status: 0, nwkaddr: addr,
        payload: encodeNodeDescriptor({ logicalType: p.logicalType === 'router' ? ZdoLogicalType.router : ZdoLogicalType.endDevice, manufacturerCode: p.manufacturerCode, capabilities: { ffd: p.logicalType === 'router', mainsPowered: p.mainsPowered, rxOnWhenIdle: !p.sleepy } }),
      });
    }
  }),
  [`${ZDO}:activeEpReq`]: zdo((emu, v) => {
    const addr = num(v, 'nwkaddrofinterest');
    const dev = emu.reachable(addr);
    const eps = addr === 0 ? [...emu.endpoints.keys()] : dev?.profile.endpoints.map((e) => e.id);
    if (eps) emu.send(ZDO, 'activeEpRsp', { srcaddr: addr, status: 0, nwkaddr: addr, payload: encodeActiveEndpoints(eps) });
  }),
  [`${ZDO}:simpleDescReq`]: zdo((emu, v) => {
    const addr = num(v, 'nwkaddrofinterest');
    const ep = num(v, 'endpoint');
    const own = addr === 0 ? emu.endpoints.get(ep) : undefined;
    const spec = addr === 0 ? undefined : emu.reachable(addr)?.endpoint(ep);
    const desc = own ?? (spec ? { endpoint: spec.id, profileId: spec.profileId, deviceId: spec.deviceId, inClusters: spec.inClusters, outClusters: spec.outClusters } : undefined);
    if (desc) emu.send(ZDO, 'simpleDescRsp', { srcaddr: addr, status: 0, nwkaddr: addr, payload: encodeSimpleDescriptorWithLength(desc) });
  }),
  [`${ZDO}:bindReq`]: zdo((emu, v) => {
    const dev = emu.reachable(num(v, 'dstaddr'));
    if (!dev) return;
    dev.bindings.push({ endpoint: num(v, 'srcendpoint'), cluster: num(v, 'clusterid') });
    emu.send(ZDO, 'bindRsp', { srcaddr: dev.nwkAddr, status: 0 });
  }),
  [`${ZDO}:unbindReq`]: zdo((emu, v) => {
    const dev = emu.reachable(num(v, 'dstaddr'));
    if (dev) emu.send(ZDO, 'unbindRsp', { srcaddr: dev.nwkAddr, status: 0 });
  }),
  [`${ZDO}:mgmtLeaveReq`]: zdo((emu, v) => {
    const dev = emu.reachable(num(v, 'dstaddr'));
    if (!dev) return;
    emu.send(ZDO, 'mgmtLeaveRsp', { srcaddr: dev.nwkAddr, status: 0 });
    emu.leave(dev);
  }),
  [`${ZDO}:mgmtPermitJoinReq`]: zdo((emu, v) => {
    emu.permitJoin(num(v, 'duration'));
    emu.send(ZDO, 'mgmtPermitJoinRsp', { srcaddr: 0, status: 0 });
  }),
  [`${ZDO}:nwkAddrReq`]: zdo((emu, v) => {
    const dev = emu.deviceByIeee(String(v['ieeeaddr']));
    if (dev) emu.send(ZDO, 'nwkAddrRsp', { status: 0, ieeeaddr: dev.ieee, nwkaddr: dev.nwkAddr, startindex: 0, numassocdev: 0, assocdevlist: [] });
  }),
  [`${ZDO}:ieeeAddrReq`]: zdo((emu, v) => {
    const addr = num(v, 'shortaddr');
    const dev = emu.reachable(addr);
    if (addr === 0) emu.send(ZDO, 'ieeeAddrRsp', { status: 0, ieeeaddr: emu.ieee, nwkaddr: 0, startindex: 0, numassocdev: 0, assocdevlist: [] });
    else if (dev) emu.send(ZDO, 'ieeeAddrRsp', { status: 0, ieeeaddr: dev.ieee, nwkaddr: addr, startindex: 0, numassocdev: 0, assocdevlist: [] });
  }),
  [`${ZDO}:startupFromApp`]: (emu) => { emu.startCoordinator(); return OK; },
  [`${ZDO}:extRouteDisc`]: () => OK,
  [`${ZDO}:extFindGroup`]: (emu, v) => (emu.groups.has(`${num(v, 'endpoint')}:${num(v, 'groupid')}`)
    ? { status: 0, groupid: num(v, 'groupid'), namelen: 0, groupname: new Uint8Array() }
    : { status: 1, groupid: 0, namelen: 0, groupname: new Uint8Array() }),
  [`${ZDO}:extAddGroup`]: (emu, v) => { emu.groups.add(`${num(v, 'endpoint')}:${num(v, 'groupid')}`); return OK; },
  [`${ZDO}:extNwkInfo`]: (emu) => {
    const n = emu.nv.network();
    return {
      shortaddr: 0, devstate: emu.devState, panid: n?.panId ?? 0xffff, parentaddr: 0,
      extendedpanid: bytesToIeee(n?.extendedPanId ?? Buffer.alloc(8)), parentextaddr: emu.ieee, channel: n?.channel ?? 0,
    };
  },
  // UTIL
  [`${UTIL}:getDeviceInfo`]: (emu) => {
    const children = emu.joinedDevices().filter((d) => d.profile.logicalType === 'endDevice').map((d) => d.nwkAddr).slice(0, 100);
    return { status: 0, ieeeaddr: emu.ieee, shortaddr: 0, devicetype: 7, devicestate: emu.devState, numassocdevices: children.length, assocdeviceslist: children };
  },
  [`${UTIL}:ledControl`]: () => OK,
  // Not found: the host then does not try assocRemove (nwkaddr 0xfffe, relation 0xff).
  [`${UTIL}:assocGetWithAddress`]: () => ({ nwkaddr: 0xfffe, addridx: 0, noderelation: 0xff }),
  [`${UTIL}:assocRemove`]: () => OK,
  [`${UTIL}:assocAdd`]: () => OK,
  // APP_CNF: BDB commissioning
  [`${APP_CNF}:bdbSetChannel`]: () => OK,
  [`${APP_CNF}:bdbStartCommissioning`]: (emu, v) => { emu.commission(num(v, 'mode')); return OK; },
};

export function findHandler(subsystem: number, name: string): Handler | undefined {
  return HANDLERS[`${subsystem}:${name}`];
}

/** Number of request types the emulator answers (the issue budgets ~24). */
export const HANDLED_REQUESTS = Object.keys(HANDLERS).length;
