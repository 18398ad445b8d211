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
import { ZnpEmulator } from '../../../firmware-sim/zigbee/znp-emulator.js';
import { SimDevice } from '../../../firmware-sim/zigbee/sim-device.js';
import { DOOR_SENSOR, SMART_PLUG } from '../../../firmware-sim/zigbee/profiles.js';
import { NvId } from '../../../firmware-sim/zigbee/znp-nv.js';

const { SYS, AF, ZDO, APP_CNF } = MtSubsystem;

function host() {
  const emu = new ZnpEmulator({ indirectTimeoutMs: 20 });
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

async function formed() {
  const h = host();
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
