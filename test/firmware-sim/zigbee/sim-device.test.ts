/** Profile-driven simulated devices: ZCL foundation commands, cluster command effects, reports, presses, sleep. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAttributeRecords, decodeZclFrame, encodeZclFrame, ZclGlobal } from '../../../protocols/znp/zcl-frame.js';
import { SimDevice, type ZclUplink } from '../../../firmware-sim/zigbee/sim-device.js';
import { BUTTON_REMOTE, DOOR_SENSOR, PROFILES, SMART_PLUG } from '../../../firmware-sim/zigbee/profiles.js';

function device(profile = SMART_PLUG, now = () => 1000) {
  const d = new SimDevice(profile, { ieee: '0x0000000000000001', awakeWindowMs: 100, now });
  const out: ZclUplink[] = [];
  d.onUplink = (u) => out.push(u);
  return { d, out };
}

const frame = (commandId: number, payload: number[], clusterSpecific = false) =>
  encodeZclFrame({ header: { clusterSpecific, serverToClient: false, disableDefaultResponse: false, tsn: 42, commandId }, payload: Buffer.from(payload) });

test('every profile carries a Basic cluster with its real model id', () => {
  for (const p of Object.values(PROFILES)) {
    const ep = p.endpoints.find((e) => e.attributes[0x0000]);
    assert.equal(ep?.attributes[0x0000]?.[0x0005]?.value, p.modelId, p.name);
  }
});

test('write then read an attribute; an unknown one is UNSUPPORTED_ATTRIBUTE', () => {
  const { d, out } = device(DOOR_SENSOR);
  d.receiveZcl(2, 0x0500, frame(ZclGlobal.write, [0x10, 0x00, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8]), 1);
  assert.equal(d.get(2, 0x0500, 0x0010), '0x0807060504030201');
  assert.deepEqual([...decodeZclFrame(out[0]!.data).payload], [0]);
  d.receiveZcl(2, 0x0500, frame(ZclGlobal.read, [0x00, 0x00, 0x34, 0x12]), 1);
  const rsp = decodeZclFrame(out[1]!.data);
  assert.equal(rsp.header.commandId, ZclGlobal.readRsp);
  assert.equal(rsp.header.tsn, 42);
  assert.deepEqual([...rsp.payload], [0x00, 0x00, 0x00, 0x30, 0x00, 0x34, 0x12, 0x86]);
});

test('cluster commands apply their effect and answer a default response; bound clusters report', () => {
  const { d, out } = device();
  d.bindings.push({ endpoint: 1, cluster: 6 });
  d.receiveZcl(1, 6, frame(0x02, [], true), 1);
  assert.equal(d.get(1, 6, 0), true);
  assert.equal(decodeZclFrame(out[0]!.data).header.commandId, ZclGlobal.defaultRsp);
  const report = decodeZclFrame(out[1]!.data);
  assert.equal(report.header.commandId, ZclGlobal.report);
  assert.deepEqual(decodeAttributeRecords(report.payload), [{ id: 0, type: 0x10, value: true }]);
  d.receiveZcl(1, 6, frame(0x40, [], true), 1);
  assert.deepEqual([...decodeZclFrame(out[2]!.data).payload], [0x40, 0x81]);
});

test('configure reporting is stored and acknowledged', () => {
  const { d, out } = device();
  d.receiveZcl(1, 0x0b04, frame(ZclGlobal.configReport, [0, 0x0b, 0x05, 0x29, 5, 0, 0x10, 0x0e, 1, 0]), 1);
  assert.equal(d.reporting[0]?.id, 0x050b);
  assert.deepEqual([...decodeZclFrame(out[0]!.data).payload], [0]);
});

test('a button press is an On/Off command from the device; a sleepy device wakes on transmit', () => {
  let now = 1000;
  const { d, out } = device(BUTTON_REMOTE, () => now);
  assert.equal(d.isAwake(), false);
  d.press('single');
  const f = decodeZclFrame(out[0]!.data);
  assert.equal(out[0]!.cluster, 6);
  assert.equal(f.header.clusterSpecific, true);
  assert.equal(f.header.commandId, 0x02);
  assert.equal(d.isAwake(), true);
  now += 200;
  assert.equal(d.isAwake(), false);
  assert.throws(() => d.press('triple'), /no press/);
});

test('poll control: check-in from the device; a check-in response asking for fast poll keeps it awake', () => {
  let now = 0;
  const { d, out } = device(DOOR_SENSOR, () => now);
  assert.equal(d.checkIn(), true);
  const f = decodeZclFrame(out[0]!.data);
  assert.deepEqual([out[0]!.cluster, f.header.clusterSpecific, f.header.serverToClient, f.header.commandId], [0x0020, true, true, 0]);
  d.receiveZcl(1, 0x0020, frame(0x00, [1, 40, 0], true), 1);
  now += 9000;
  assert.equal(d.isAwake(), true, 'fast poll for 40 quarter seconds');
  now += 2000;
  assert.equal(d.isAwake(), false);
  assert.equal(device(SMART_PLUG).d.checkIn(), false, 'no Poll Control cluster');
});

test('its own sequence numbers skip those it just echoed in answers (the converters drop a report that reuses one)', () => {
  const { d, out } = device();
  const read = (tsn: number) => encodeZclFrame({ header: { clusterSpecific: false, serverToClient: false, disableDefaultResponse: false, tsn, commandId: ZclGlobal.read }, payload: Buffer.from([0x0b, 0x05]) });
  d.receiveZcl(1, 0x0b04, read(1), 1);
  d.receiveZcl(1, 0x0b04, read(2), 1);
  d.receiveZcl(1, 0x0b04, read(4), 1);
  for (let i = 0; i < 3; i++) d.set(1, 0x0b04, 0x050b, 10 + i);
  assert.deepEqual(out.map((u) => decodeZclFrame(u.data).header.tsn), [1, 2, 4, 3, 5, 6]);
});
