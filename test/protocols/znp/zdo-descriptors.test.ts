/** ZDP descriptors: byte layout of node and simple descriptors (Zigbee 05-3474 §2.3.2). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeActiveEndpoints, encodeMacCapabilities, encodeNodeDescriptor, encodeSimpleDescriptorWithLength, ZdoLogicalType } from '../../../protocols/znp/zdo-descriptors.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('MAC capabilities: sleepy end device vs mains router', () => {
  assert.equal(encodeMacCapabilities({ ffd: false, mainsPowered: false, rxOnWhenIdle: false }), 0xc0);
  assert.equal(encodeMacCapabilities({ ffd: true, mainsPowered: true, rxOnWhenIdle: true }), 0xce);
});

test('node descriptor of an end device', () => {
  const b = encodeNodeDescriptor({ logicalType: ZdoLogicalType.endDevice, manufacturerCode: 0x117c, capabilities: { ffd: false, mainsPowered: false, rxOnWhenIdle: false } });
  assert.deepEqual(b, hex('02 40 c0 7c11 52 5200 002c 5200 00'));
});

test('simple descriptor with its length prefix, active endpoints', () => {
  const b = encodeSimpleDescriptorWithLength({ endpoint: 1, profileId: 0x0104, deviceId: 0x0051, inClusters: [0x0000, 0x0006], outClusters: [0x0019] });
  assert.deepEqual(b, hex('0e 01 0401 5100 01 02 0000 0600 01 1900'));
  assert.deepEqual(encodeActiveEndpoints([1, 2]), hex('02 01 02'));
});
