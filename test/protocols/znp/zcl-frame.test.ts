/** ZCL header and foundation payloads: byte-exact vectors from ZCL 07-5123 layouts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeAttributeRecords, decodeConfigureReporting, decodeReadRequest, decodeZclFrame, encodeAttributeRecords,
  encodeConfigureReportingResponse, encodeDefaultResponse, encodeReadResponse, encodeWriteResponse, encodeZclFrame, ZclStatus,
} from '../../../protocols/znp/zcl-frame.js';
import { decodeZclValue, encodeZclValue } from '../../../protocols/znp/zcl-types.js';
import { FrameInvalidError, ValueInvalidError } from '../../../protocols/errors.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('header: global server-to-client report with default response disabled', () => {
  const b = encodeZclFrame({ header: { clusterSpecific: false, serverToClient: true, disableDefaultResponse: true, tsn: 7, commandId: 0x0a }, payload: hex('0000 29 2509') });
  assert.deepEqual(b, hex('18 07 0a 0000 29 2509'));
  const f = decodeZclFrame(b);
  assert.equal(f.header.serverToClient, true);
  assert.equal(f.header.clusterSpecific, false);
  assert.deepEqual(decodeAttributeRecords(f.payload), [{ id: 0, type: 0x29, value: 2341 }]);
});

test('header: manufacturer-specific cluster command', () => {
  const b = encodeZclFrame({ header: { clusterSpecific: true, manufacturerCode: 0x117c, serverToClient: false, disableDefaultResponse: false, tsn: 1, commandId: 2 }, payload: Buffer.alloc(0) });
  assert.deepEqual(b, hex('05 7c11 01 02'));
  assert.equal(decodeZclFrame(b).header.manufacturerCode, 0x117c);
  assert.throws(() => decodeZclFrame(hex('05 7c')), FrameInvalidError);
});

test('read request and response records', () => {
  assert.deepEqual(decodeReadRequest(hex('0500 0400')), [5, 4]);
  assert.throws(() => decodeReadRequest(hex('05')), FrameInvalidError);
  const rsp = encodeReadResponse([{ id: 5, status: 0, type: 0x42, value: 'TH01' }, { id: 0x4001, status: ZclStatus.UNSUPPORTED_ATTRIBUTE }]);
  assert.deepEqual(rsp, hex('0500 00 42 04 54483031 0140 86'));
});

test('write records, write response, default response', () => {
  const rec = encodeAttributeRecords([{ id: 0x0010, type: 0xf0, value: '0x00124b0000c0ffee' }]);
  assert.deepEqual(rec, hex('1000 f0 eeffc000004b1200'));
  assert.deepEqual(decodeAttributeRecords(rec)[0]?.value, '0x00124b0000c0ffee');
  assert.deepEqual(encodeWriteResponse([]), hex('00'));
  assert.deepEqual(encodeWriteResponse([{ id: 0x0010, status: 0x86 }]), hex('86 1000'));
  assert.deepEqual(encodeDefaultResponse(0x01, 0), hex('01 00'));
});

test('configure reporting: analog types carry a reportable change, discrete do not', () => {
  const recs = decodeConfigureReporting(hex('00 0000 29 1e00 100e 1400' + '00 0000 10 0000 100e'));
  assert.deepEqual(recs[0], { direction: 0, id: 0, type: 0x29, minIntervalS: 30, maxIntervalS: 3600, change: 20 });
  assert.deepEqual(recs[1], { direction: 0, id: 0, type: 0x10, minIntervalS: 0, maxIntervalS: 3600 });
  assert.throws(() => decodeConfigureReporting(hex('00 0000 29 1e00')), FrameInvalidError);
  assert.deepEqual(encodeConfigureReportingResponse([]), hex('00'));
});

test('data types: signed, 48-bit, strings, bool; errors typed', () => {
  assert.deepEqual(encodeZclValue(0x29, -5), hex('fbff'));
  assert.equal(decodeZclValue(0x29, hex('fbff'), 0).value, -5);
  assert.deepEqual(encodeZclValue(0x25, 0x010203040506), hex('060504030201'));
  assert.deepEqual(encodeZclValue(0x10, true), hex('01'));
  assert.throws(() => encodeZclValue(0x21, 1.5), ValueInvalidError);
  assert.throws(() => decodeZclValue(0x99, hex('00'), 0), FrameInvalidError);
  assert.throws(() => decodeZclValue(0x42, hex('05 41'), 0), FrameInvalidError);
});
