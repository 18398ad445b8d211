/** MT frame codec: byte-exact vectors (FCS computed by hand), bad input, limits. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMtFrame, encodeMtFrame, MtSubsystem, MtType, mtFcs } from '../../../protocols/znp/mt-frame.js';
import { FrameInvalidError, PayloadTooLargeError } from '../../../protocols/errors.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// SWRA198 examples: SYS_PING SREQ, its SRSP (capabilities 0x0179), ZDO_STATE_CHANGE_IND (9 = coordinator).
const VECTORS = [
  { name: 'SYS_PING SREQ', bytes: 'fe 00 21 01 20', frame: { type: MtType.SREQ, subsystem: MtSubsystem.SYS, commandId: 0x01, data: [] } },
  { name: 'SYS_PING SRSP', bytes: 'fe 02 61 01 79 01 1a', frame: { type: MtType.SRSP, subsystem: MtSubsystem.SYS, commandId: 0x01, data: [0x79, 0x01] } },
  { name: 'UTIL_GET_DEVICE_INFO SREQ', bytes: 'fe 00 27 00 27', frame: { type: MtType.SREQ, subsystem: MtSubsystem.UTIL, commandId: 0x00, data: [] } },
  { name: 'ZDO_STATE_CHANGE_IND', bytes: 'fe 01 45 c0 09 8d', frame: { type: MtType.AREQ, subsystem: MtSubsystem.ZDO, commandId: 0xc0, data: [0x09] } },
];

for (const v of VECTORS) {
  test(`encodes and decodes ${v.name}`, () => {
    const f = { ...v.frame, data: Uint8Array.from(v.frame.data) };
    assert.deepEqual(encodeMtFrame(f), hex(v.bytes));
    assert.deepEqual(decodeMtFrame(hex(v.bytes)), f);
  });
}

test('FCS is the XOR of LEN, CMD0, CMD1 and data', () => {
  assert.equal(mtFcs(hex('02 61 01 79 01')), 0x1a);
});

test('rejects a bad FCS, a wrong SOF, a LEN that does not match, a short frame', () => {
  assert.throws(() => decodeMtFrame(hex('fe 00 21 01 21')), FrameInvalidError);
  assert.throws(() => decodeMtFrame(hex('fd 00 21 01 20')), FrameInvalidError);
  assert.throws(() => decodeMtFrame(hex('fe 01 21 01 20')), FrameInvalidError);
  assert.throws(() => decodeMtFrame(hex('fe 00 21')), FrameInvalidError);
});

test('refuses data over 250 bytes with PayloadTooLargeError', () => {
  assert.throws(() => encodeMtFrame({ type: MtType.AREQ, subsystem: MtSubsystem.AF, commandId: 0x81, data: new Uint8Array(251) }), PayloadTooLargeError);
  assert.equal(encodeMtFrame({ type: MtType.AREQ, subsystem: MtSubsystem.AF, commandId: 0x81, data: new Uint8Array(250) }).length, 255);
});
