/**
 * The guards against zigbee-herdsman 10.9.5 defects (bindings/zigbee/herdsman-guards.ts), on
 * herdsman's own MT parser and on stand-ins for its Controller and Device.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { Transform } from 'node:stream';
import type { Controller } from 'zigbee-herdsman';
import { forgetInvalidBasic, guardControllerHandlers, replaceZnpParser } from '../../../bindings/zigbee/herdsman-guards.js';
import type { ZigbeeStackFault } from '../../../bindings/zigbee/zigbee-stack.js';

const require = createRequire(import.meta.url);
const { Parser } = require('zigbee-herdsman/dist/adapter/z-stack/unpi/parser.js') as { Parser: new () => Transform & { buffer: Buffer } };
const { setLogger } = require('zigbee-herdsman') as { setLogger: (l: unknown) => void };
const quiet = () => undefined;
setLogger({ debug: quiet, info: quiet, warning: quiet, error: quiet });

// AF_DATA_CONFIRM (AREQ, AF, 0x80): status 0, endpoint 1, transid 0x77.
const DATA_CONFIRM = Buffer.from('fe034480000177b1', 'hex');
// SOF, LEN 0, CMD 45 c0, FCS 00 (should be 0x85): a bad checksum, the smallest false frame.
const BAD_FCS = Buffer.from('fe0045c000', 'hex');

function zstackWith(parser: Transform): Controller {
  return { adapter: { znp: { unpiParser: parser } } } as unknown as Controller;
}

test('herdsman\'s MT parser, fronted by the framer, takes one read of thousands of frames', () => {
  const parser = new Parser();
  const parsed: Array<{ subsystem: number; commandID: number }> = [];
  parser.on('parsed', (f: { subsystem: number; commandID: number }) => parsed.push(f));
  // Without the framer herdsman's parseNext recurses once per frame: this write is an uncaught RangeError.
  const flood = Buffer.concat([...Array<Buffer>(8000).fill(BAD_FCS), DATA_CONFIRM, ...Array<Buffer>(8000).fill(DATA_CONFIRM)]);
  const drops: Array<[number, number]> = [];
  assert.equal(replaceZnpParser(zstackWith(parser), (bytes, badFcs) => drops.push([bytes, badFcs])), true);
  parser.write(flood);
  assert.equal(parsed.length, 8001);
  assert.deepEqual({ subsystem: parsed[0]?.subsystem, commandID: parsed[0]?.commandID }, { subsystem: 4, commandID: 0x80 });
  assert.deepEqual(drops, [[8000 * BAD_FCS.length, 8000]]);
});

test('bytes without a SOF are dropped and counted, not kept; a frame split across reads survives', () => {
  const parser = new Parser();
  let parsed = 0;
  parser.on('parsed', () => parsed++);
  const dropped: number[] = [];
  replaceZnpParser(zstackWith(parser), (bytes) => dropped.push(bytes));
  parser.write(Buffer.alloc(1 << 20, 0x11));
  assert.equal(parser.buffer.length, 0);
  for (let i = 0; i < DATA_CONFIRM.length; i++) parser.write(DATA_CONFIRM.subarray(i, i + 1));
  assert.equal(parsed, 1);
  assert.deepEqual(dropped, [1 << 20]);
});

test('a frame herdsman\'s parser had begun is finished through the framer', () => {
  const parser = new Parser();
  let parsed = 0;
  parser.on('parsed', () => parsed++);
  parser.write(DATA_CONFIRM.subarray(0, 3));
  replaceZnpParser(zstackWith(parser), () => assert.fail('nothing is dropped'));
  parser.write(DATA_CONFIRM.subarray(3));
  assert.equal(parsed, 1);
});

test('an adapter without the zstack parser is left alone', () => {
  assert.equal(replaceZnpParser({ adapter: {} } as unknown as Controller, () => undefined), false);
});

test('a failing herdsman handler is reported with its device, not left unobserved', async () => {
  const faults: ZigbeeStackFault[] = [];
  const controller = {
    getDeviceByNetworkAddress: (nwk: number) => (nwk === 0x1234 ? { ieeeAddr: '0x00124b0000000001' } : undefined),
    onZclPayload(this: unknown, _p: unknown) {
      assert.equal(this, controller, 'called on the controller');
      return Promise.reject(new TypeError('this.manufacturerName?.startsWith is not a function'));
    },
    onDeviceJoined: (_p: unknown) => Promise.reject(new Error('database is closed')),
  };
  guardControllerHandlers(controller as unknown as Controller, (f) => faults.push(f));
  const c = controller as unknown as { onZclPayload(p: unknown): Promise<void>; onDeviceJoined(p: unknown): Promise<void> };
  await c.onZclPayload({ address: 0x1234 });
  await c.onDeviceJoined({ ieeeAddr: '0x00124b0000000002' });
  assert.deepEqual(faults, [
    { kind: 'handlerFailed', ieee: '0x00124b0000000001', message: 'onZclPayload: this.manufacturerName?.startsWith is not a function' },
    { kind: 'handlerFailed', ieee: '0x00124b0000000002', message: 'onDeviceJoined: database is closed' },
  ]);
});

test('a herdsman without the handlers the guard wraps is refused at once', () => {
  assert.throws(() => guardControllerHandlers({} as unknown as Controller, () => undefined), /no onZclPayload/);
});

test('Basic cluster strings of another data type are forgotten and the device saved', () => {
  let saves = 0;
  const device = {
    ieeeAddr: '0x00124b0000000003', isDeleted: false, modelID: 'SP 120', manufacturerName: 4660 as unknown, dateCode: true as unknown,
    softwareBuildID: undefined, save: () => { saves++; },
  };
  const faults = forgetInvalidBasic(device as unknown as Parameters<typeof forgetInvalidBasic>[0]);
  assert.deepEqual(faults.map((f) => f.message), ['manufacturerName is a number, not a string: forgotten', 'dateCode is a boolean, not a string: forgotten']);
  assert.equal(device.manufacturerName, undefined);
  assert.equal(device.dateCode, undefined);
  assert.equal(device.modelID, 'SP 120');
  assert.equal(saves, 1);
  assert.deepEqual(forgetInvalidBasic(device as unknown as Parameters<typeof forgetInvalidBasic>[0]), []);
  assert.equal(saves, 1, 'nothing to save the second time');
});
