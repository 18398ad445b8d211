/**
 * The ZNP emulator driven over MT frames directly (no herdsman, no sockets): formation,
 * reset with and without clearing state, permit join, join, ZDO and ZCL traffic, sleeping
 * devices, unknown commands.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMtFrame, parseMtFrame } from '../../../protocols/znp/mt-commands.js';
import { encodeMtFrame, MtSubsystem, MtType, type MtFrame } from '../../../protocols/znp/mt-frame.js';
import { MtFramer } from '../../../protocols/znp/mt-framer.js';
import type { MtValues } from '../../../protocols/znp/mt-params.js';
import { decodeZclFrame, encodeZclFrame } from '../../../protocols/znp/zcl-frame.js';
import { NotAMemberError, ZnpEmulator } from '../../../firmware-sim/zigbee/znp-emulator.js';
import { SimDevice } from '../../../firmware-sim/zigbee/sim-device.js';
import { DOOR_SENSOR, SMART_PLUG } from '../../../firmware-sim/zigbee/profiles.js';
import { NvId } from '../../../firmware-sim/zigbee/znp-nv.js';
import { ExNvId, SYSID_ZSTACK } from '../../../firmware-sim/zigbee/znp-nv-tables.js';

const { SYS, AF, ZDO, APP_CNF } = MtSubsystem;

function host(ieee?: string) {
  const emu = new ZnpEmulator({ indirectTimeoutMs: 20, ...(ieee ? { ieee } : {}) });
  const framer = new MtFramer();
  const got: Array<{ frame: MtFrame; name: string; values: MtValues }> = [];
  const link = emu.connect((b) => {
    for (const frame of framer.push(b)) {
      if (frame.subsystem === MtSubsystem.RES) {
        got.push({ frame, name: 'rpcError', values: {} });
        continue;
      }
      const p = parseMtFrame(frame);
      got.push({ frame, name: p.def.name, values: p.values });
    }
  });
  const req = (subsystem: number, name: string, values: MtValues = {}): MtValues => {
    const before = got.length;
    link.receive(encodeMtFrame(buildMtFrame(subsystem, name, values)));
    const rsp = got.slice(before).find((g) => g.frame.type === MtType.SRSP);
    return rsp?.values ?? {};
  };
  const wait = async (name: string, pred: (v: MtValues) => boolean = () => true, timeoutMs = 2000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = got.find((g) => g.frame.type === MtType.AREQ && g.name === name && pred(g.values));
      if (hit) return hit.values;
      if (Date.now() > deadline) throw new Error(`no ${name}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { emu, link, got, req, wait };
}

async function formed(ieee?: string) {
  const h = host(ieee);
  const write = (id: number, value: Buffer) => {
    h.req(SYS, 'osalNvItemInit', { id, len: value.length, initlen: value.length, initvalue: value });
    assert.equal(h.req(SYS, 'osalNvWriteExt', { id, offset: 0, len: value.length, value }).status, 0);
  };
  write(NvId.PANID, Buffer.from([0x62, 0x1a]));
  write(NvId.CHANLIST, Buffer.from([0, 0x80, 0, 0])); // channel 15
  write(NvId.EXTENDED_PAN_ID, Buffer.from([8, 7, 6, 5, 4, 3, 2, 1]));
  write(NvId.PRECFGKEY, Buffer.alloc(16, 0x5a));
  assert.equal(h.req(APP_CNF, 'bdbStartCommissioning', { mode: 0x04 }).status, 0);
  await h.wait('stateChangeInd', (v) => v['state'] === 9);
  return h;
}

test('forms a network from the commissioning NV items', async () => {
  const h = await formed();
  const info = h.req(ZDO, 'extNwkInfo');
  assert.equal(info['panid'], 0x1a62);
  assert.equal(info['channel'], 15);
  assert.equal(info['devstate'], 9);
  assert.equal(h.emu.nv.get(NvId.NWKKEY)?.length, 21, 'unaligned key item, as the host detects');
  assert.equal(h.req(SYS, 'osalNvLength', { id: NvId.NIB })['length'], 110);
  h.emu.close();
});

test('a soft reset keeps the network; STARTUP_OPTION clear-state wipes it', async () => {
  const h = await formed();
  h.req(SYS, 'resetReq', { type: 1 });
  await h.wait('resetInd');
  assert.equal(h.req(ZDO, 'extNwkInfo')['panid'], 0x1a62);
  h.req(SYS, 'osalNvWriteExt', { id: NvId.STARTUP_OPTION, offset: 0, len: 1, value: Uint8Array.of(3) });
  h.req(SYS, 'resetReq', { type: 1 });
  assert.equal(h.emu.nv.network(), null);
  h.emu.close();
});

test('NV items: init answers NV_ITEM_UNINIT once, reads come in chunks', () => {
  const h = host();
  assert.equal(h.req(SYS, 'osalNvItemInit', { id: 0x0400, len: 300, initlen: 2, initvalue: Uint8Array.of(1, 2) }).status, 0x09);
  assert.equal(h.req(SYS, 'osalNvItemInit', { id: 0x0400, len: 300, initlen: 2, initvalue: Uint8Array.of(1, 2) }).status, 0x00);
  const first = h.req(SYS, 'osalNvReadExt', { id: 0x0400, offset: 0 });
  assert.equal(first['len'], 244);
  assert.equal(h.req(SYS, 'osalNvReadExt', { id: 0x0400, offset: 244 })['len'], 56);
  assert.equal(h.req(SYS, 'osalNvReadExt', { id: 0x0999, offset: 0 })['status'], 0x0a);
  h.emu.close();
});

test('unknown requests get an MT RPC error and are counted', () => {
  const h = host();
  h.link.receive(encodeMtFrame({ type: MtType.SREQ, subsystem: SYS, commandId: 0x7e, data: new Uint8Array() }));
  assert.equal(h.got.at(-1)?.name, 'rpcError');
  assert.deepEqual([...h.got.at(-1)!.frame.data], [0x02, 0x21, 0x7e]);
  assert.equal(h.emu.counters.unknownRequests, 1);
  h.emu.close();
});

test('join needs permit join; then the device announces itself and answers ZDO and ZCL', async () => {
  const h = await formed();
  const plug = new SimDevice(SMART_PLUG, { ieee: '0x0011223344556677', awakeWindowMs: 100 });
  assert.throws(() => h.emu.join(plug), /not permitted/);
  h.req(ZDO, 'mgmtPermitJoinReq', { addrmode: 0x0f, dstaddr: 0xfffc, duration: 60, tcsignificance: 1 });
  await h.wait('mgmtPermitJoinRsp');
  h.emu.join(plug);
  const ind = await h.wait('tcDeviceInd');
  assert.equal(ind['extaddr'], '0x0011223344556677');
  const ann = await h.wait('endDeviceAnnceInd');
  assert.equal(ann['capabilities'], 0xce);
  const nwk = plug.nwkAddr;
  h.req(ZDO, 'activeEpReq', { dstaddr: nwk, nwkaddrofinterest: nwk });
  const ep = await h.wait('activeEpRsp');
  assert.deepEqual([...(ep['payload'] as Uint8Array)], [1, 1]);
  // ZCL Read Attributes of modelId (0x0005) on Basic.
  const read = encodeZclFrame({ header: { clusterSpecific: false, serverToClient: false, disableDefaultResponse: true, tsn: 9, commandId: 0x00 }, payload: Buffer.from([0x05, 0x00]) });
  h.req(AF, 'dataRequest', { dstaddr: nwk, destendpoint: 1, srcendpoint: 1, clusterid: 0, transid: 4, options: 0, radius: 30, len: read.length, data: read });
  assert.equal((await h.wait('dataConfirm', (v) => v['transid'] === 4))['status'], 0);
  const msg = await h.wait('incomingMsg', (v) => v['clusterid'] === 0);
  const f = decodeZclFrame(msg['data'] as Uint8Array);
  assert.equal(f.header.tsn, 9);
  assert.ok(Buffer.from(f.payload).includes(Buffer.from('SP 120')));
  // On/Off "on" (cluster command 0x01) switches the plug.
  const on = encodeZclFrame({ header: { clusterSpecific: true, serverToClient: false, disableDefaultResponse: false, tsn: 10, commandId: 0x01 }, payload: Buffer.alloc(0) });
  h.req(AF, 'dataRequest', { dstaddr: nwk, destendpoint: 1, srcendpoint: 1, clusterid: 6, transid: 5, options: 0, radius: 30, len: on.length, data: on });
  await h.wait('dataConfirm', (v) => v['transid'] === 5);
  assert.equal(plug.get(1, 6, 0), true);
  h.emu.close();
});

test('a frame for a sleeping device expires at its parent (MAC_TRANSACTION_EXPIRED)', async () => {
  const h = await formed();
  const door = new SimDevice(DOOR_SENSOR, { ieee: '0x0011223344556688', awakeWindowMs: 50 });
  h.emu.join(door, { force: true, pairingAwakeMs: 0 });
  door.sleep();
  const data = encodeZclFrame({ header: { clusterSpecific: true, serverToClient: false, disableDefaultResponse: false, tsn: 1, commandId: 0 }, payload: Buffer.from([3, 0]) });
  h.req(AF, 'dataRequest', { dstaddr: door.nwkAddr, destendpoint: 1, srcendpoint: 1, clusterid: 3, transid: 7, options: 0, radius: 30, len: data.length, data });
  assert.equal((await h.wait('dataConfirm', (v) => v['transid'] === 7))['status'], 0xf0);
  assert.equal(door.counters.zclIn, 0);
  h.emu.leave(door);
  const left = await h.wait('leaveInd');
  assert.equal(left['extaddr'], '0x0011223344556688');
  h.emu.close();
});

test('extended NV tables: a factory stick carries them; nvRead, nvWrite and nvCreate', () => {
  const h = host();
  const at = (subid: number) => ({ sysid: SYSID_ZSTACK, itemid: ExNvId.ADDRMGR, subid });
  assert.equal(h.req(SYS, 'nvLength', at(0))['len'], 11);
  assert.equal(h.req(SYS, 'nvLength', at(128))['len'], 0, 'the table ends after its last entry');
  assert.deepEqual([...(h.req(SYS, 'nvRead', { ...at(0), offset: 0, len: 11 })['value'] as Uint8Array)], [0, ...Array<number>(10).fill(0xff)]);
  const entry = Uint8Array.of(1, 0x34, 0x12, 8, 7, 6, 5, 4, 3, 2, 1);
  assert.equal(h.req(SYS, 'nvWrite', { ...at(3), offset: 0, len: 11, value: entry }).status, 0);
  assert.deepEqual(h.emu.nv.tables.child('0x0102030405060708'), { nwkAddr: 0x1234 });
  assert.equal(h.req(SYS, 'nvWrite', { ...at(3), offset: 5, len: 11, value: entry }).status, 0x0a, 'past the end');
  assert.equal(h.req(SYS, 'nvCreate', { ...at(200), len: 4 }).status, 0);
  assert.equal(h.req(SYS, 'nvCreate', { ...at(200), len: 4 }).status, 0x0a, 'exists already');
  assert.equal(h.req(SYS, 'osalNvLength', { id: 0x004c })['length'], 2 + 16 * 5, 'security manager item');
  assert.equal(h.emu.counters.unknownRequests, 0);
  h.emu.close();
});

test('a replacement stick: EXTADDR and the child table restored from a backup let a member device attach without joining', async () => {
  const old = await formed('0x00124b00000000a1');
  const plug = new SimDevice(SMART_PLUG, { ieee: '0x0011223344556677', awakeWindowMs: 100 });
  old.emu.permitJoin(60);
  old.emu.join(plug);
  assert.deepEqual(old.emu.nv.tables.child(plug.ieee), { nwkAddr: plug.nwkAddr });
  assert.equal(plug.membership?.trustCenter, '0x00124b00000000a1');
  old.emu.close();

  // Same network parameters, another stick: the device's Trust Center address does not match.
  const fresh = await formed('0x00124b00000000b2');
  assert.throws(() => fresh.emu.attach(plug), NotAMemberError);
  // What a host's restore writes: the old stick's IEEE address (EXTADDR, little-endian), applied at reset...
  const ext = Buffer.from('00124b00000000a1', 'hex').reverse();
  fresh.req(SYS, 'osalNvItemInit', { id: NvId.EXTADDR, len: 8, initlen: 8, initvalue: ext });
  fresh.req(SYS, 'resetReq', { type: 1 });
  assert.equal(fresh.req(SYS, 'getExtAddr')['extaddress'], '0x00124b00000000a1');
  assert.equal(fresh.emu.factoryIeee, '0x00124b00000000b2');
  const seen = fresh.got.length;
  fresh.req(ZDO, 'startupFromApp', { startdelay: 0 });
  for (let i = 0; i < 200 && !fresh.got.slice(seen).some((g) => g.name === 'stateChangeInd' && g.values['state'] === 9); i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(fresh.emu.devState, 9, 'the stick runs the network again after the reset');
  assert.throws(() => fresh.emu.attach(plug), /not a child/);
  // ...and the address manager table with its children.
  const entry = Buffer.alloc(11);
  entry[0] = 0x01;
  entry.writeUInt16LE(plug.nwkAddr, 1);
  Buffer.from(plug.ieee.slice(2), 'hex').reverse().copy(entry, 3);
  assert.equal(fresh.req(SYS, 'nvWrite', { sysid: SYSID_ZSTACK, itemid: ExNvId.ADDRMGR, subid: 0, offset: 0, len: 11, value: entry }).status, 0);
  fresh.emu.attach(plug);
  assert.equal(fresh.emu.counters.attaches, 1);
  assert.equal(fresh.emu.counters.joins, 0);
  plug.set(1, 0x0b04, 0x050b, 7);
  const msg = await fresh.wait('incomingMsg', (v) => v['clusterid'] === 0x0b04);
  assert.equal(msg['srcaddr'], plug.nwkAddr);
  assert.ok(!fresh.got.some((g) => g.name === 'tcDeviceInd' || g.name === 'endDeviceAnnceInd'), 'no join, no announce');
  fresh.emu.close();
});
