/** MT command table and parameter codec: byte-exact layouts from SWRA198. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMtFrame, MT_COMMANDS, parseMtFrame } from '../../../protocols/znp/mt-commands.js';
import { encodeMtFrame, MtSubsystem, MtType } from '../../../protocols/znp/mt-frame.js';
import { bytesToIeee, decodeParams, ieeeToBytes } from '../../../protocols/znp/mt-params.js';
import { FrameInvalidError, ValueInvalidError } from '../../../protocols/errors.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('no two commands share subsystem and id in the same direction', () => {
  const seen = new Set<string>();
  for (const c of MT_COMMANDS) {
    const k = `${c.subsystem}:${c.id}`;
    assert.ok(!seen.has(k), `duplicate ${k} ${c.name}`);
    seen.add(k);
  }
});

test('IEEE addresses are little endian on the wire', () => {
  assert.deepEqual(Buffer.from(ieeeToBytes('0x00124b0012345678')), hex('78 56 34 12 00 4b 12 00'));
  assert.equal(bytesToIeee(hex('78 56 34 12 00 4b 12 00')), '0x00124b0012345678');
  assert.throws(() => ieeeToBytes('0x1234'), ValueInvalidError);
});

test('SYS_OSAL_NV_READ_EXT SRSP: status, len, value', () => {
  const f = buildMtFrame(MtSubsystem.SYS, 'osalNvReadExt', { status: 0, len: 3, value: Uint8Array.of(1, 2, 3) }, true);
  assert.deepEqual(encodeMtFrame(f), hex('fe 05 61 1c 00 03 01 02 03 7b'));
});

test('AF_INCOMING_MSG layout', () => {
  const f = buildMtFrame(MtSubsystem.AF, 'incomingMsg', {
    groupid: 0, clusterid: 0x0006, srcaddr: 0x1234, srcendpoint: 1, dstendpoint: 1, wasbroadcast: 0, linkquality: 200, securityuse: 0,
    timestamp: 0x01020304, transseqnumber: 0, len: 3, data: Uint8Array.of(0x18, 0x01, 0x0a),
  });
  assert.equal(f.type, MtType.AREQ);
  assert.deepEqual(Buffer.from(f.data), hex('0000 0600 3412 01 01 00 c8 00 04030201 00 03 18010a'));
  const back = parseMtFrame(f);
  assert.equal(back.def.name, 'incomingMsg');
  assert.equal(back.values['srcaddr'], 0x1234);
  assert.deepEqual([...(back.values['data'] as Uint8Array)], [0x18, 0x01, 0x0a]);
});

test('AF_REGISTER decodes its cluster lists', () => {
  const data = hex('01 0401 0500 01 00 02 0000 0600 01 0300');
  const v = decodeParams(MT_COMMANDS.find((c) => c.name === 'register')!.req, data);
  assert.deepEqual(v['appinclusterlist'], [0x0000, 0x0006]);
  assert.deepEqual(v['appoutclusterlist'], [0x0003]);
});

test('truncated parameters and unknown commands are FrameInvalidError', () => {
  assert.throws(() => parseMtFrame({ type: MtType.SREQ, subsystem: MtSubsystem.AF, commandId: 0x01, data: Uint8Array.of(1, 2) }), FrameInvalidError);
  assert.throws(() => parseMtFrame({ type: MtType.SREQ, subsystem: MtSubsystem.SYS, commandId: 0x7f, data: new Uint8Array() }), FrameInvalidError);
  assert.throws(() => buildMtFrame(MtSubsystem.SYS, 'ping', { capabilities: 0x1_0000 }, true), ValueInvalidError);
});
