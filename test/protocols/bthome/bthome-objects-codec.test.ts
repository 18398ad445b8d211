import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BTHOME_OBJECTS } from '../../../protocols/bthome/bthome-objects.js';
import { decodeObjects, encodeObjects, type BthomeValue } from '../../../protocols/bthome/bthome-objects-codec.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('button and dimmer events; repeated names get _1, _2 (several buttons in one frame)', () => {
  const { objects } = decodeObjects(hex('3a01 3a04 3c0203'));
  assert.deepEqual(objects.map((o) => [o.key, o.value]), [
    ['button_1', 'press'],
    ['button_2', 'long_press'],
    ['dimmer', { event: 'rotate_right', steps: 3 }],
  ]);
});

test('signed and scaled numbers, binary, text, raw, timestamp, firmware version', () => {
  const { objects } = decodeObjects(hex('02 18fc  0f01  5303 616263  5402 beef  50 5d51e565  f1 04030201  3f f6ff'));
  const v = Object.fromEntries(objects.map((o) => [o.key, o.value]));
  assert.equal(v['temperature'], -10);
  assert.equal(v['generic'], true);
  assert.equal(v['text'], 'abc');
  assert.deepEqual(v['raw'], hex('beef'));
  assert.equal(v['timestamp'], 0x65e5515d);
  assert.equal(v['firmwareVersion'], '1.2.3.4');
  assert.equal(v['rotation'], -1);
});

test('an unknown object id stops the parse and is reported', () => {
  const r = decodeObjects(hex('0164 fe0102'));
  assert.equal(r.unknownObjectId, 0xfe);
  assert.deepEqual(r.objects.map((o) => o.key), ['battery']);
});

function sample(id: number): BthomeValue {
  const spec = BTHOME_OBJECTS[id]!;
  switch (spec.kind) {
    case 'number': return Number(((spec.signed ? -3 : 3) * (spec.factor ?? 1)).toFixed(6));
    case 'binary': return true;
    case 'button': return 'double_press';
    case 'dimmer': return { event: 'rotate_left', steps: 2 };
    case 'text': return 'hi';
    case 'raw': return hex('0102');
    case 'deviceInfo': return spec.name === 'deviceTypeId' ? 513 : (spec.bytes === 4 ? '1.2.3.4' : '1.2.3');
    default: return 17;
  }
}

test('every row of the table round-trips through encode and decode', () => {
  for (const key of Object.keys(BTHOME_OBJECTS)) {
    const id = Number(key);
    const value = sample(id);
    const { objects } = decodeObjects(encodeObjects([{ id, value }]));
    assert.equal(objects.length, 1, `0x${id.toString(16)}`);
    assert.deepEqual(objects[0]!.value, value, `0x${id.toString(16)}`);
  }
});
