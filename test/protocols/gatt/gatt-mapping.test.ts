import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameInvalidError, ValueInvalidError } from '../../../protocols/errors.js';
import { decodeGattValue, encodeGattValue, normalizeUuid, type GattMapping } from '../../../protocols/gatt/gatt-mapping.js';
import { SIG_MAPPINGS } from '../../../protocols/gatt/gatt-sig.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const sig = (name: string) => SIG_MAPPINGS.find((m) => m.name === name)!;

test('SIG characteristics decode per the GATT Specification Supplement', () => {
  assert.equal(decodeGattValue(sig('temperature'), hex('ca09')), 25.06);
  assert.equal(decodeGattValue(sig('temperature'), hex('18fc')), -10);
  assert.equal(decodeGattValue(sig('humidity'), hex('bf13')), 50.55);
  assert.equal(decodeGattValue(sig('pressure'), hex('a86a0f00')), 1010.344);
  assert.equal(decodeGattValue(sig('battery'), hex('5a')), 90);
  assert.equal(decodeGattValue(sig('manufacturer'), Buffer.from('Roost\0')), 'Roost');
});

test('UUIDs normalize to 16-bit on the Bluetooth base UUID', () => {
  assert.equal(normalizeUuid('00002A6E-0000-1000-8000-00805F9B34FB'), '2a6e');
  assert.equal(normalizeUuid('0x2A6E'), '2a6e');
  assert.equal(normalizeUuid('6E400001-B5A3-F393-E0A9-E50E24DCCA9E'), '6e400001b5a3f393e0a9e50e24dcca9e');
});

test('a declarative mapping takes a byte range with a scale', () => {
  const m: GattMapping = { name: 'co2', service: 'ffe0', characteristic: 'ffe1', offset: 2, length: 2, type: 'uint', scale: 1 };
  assert.equal(decodeGattValue(m, hex('0000 9001 00')), 400);
  assert.throws(() => decodeGattValue(m, hex('0000 90')), FrameInvalidError);
});

test('writes encode and range-check', () => {
  const m: GattMapping = { name: 'setpoint', service: 'ffe0', characteristic: 'ffe2', write: true, type: 'int', length: 2, scale: 0.5 };
  assert.equal(Buffer.from(encodeGattValue(m, 21.5)).toString('hex'), '2b00');
  assert.equal(decodeGattValue(m, encodeGattValue(m, -3)), -3);
  assert.throws(() => encodeGattValue(m, 1e9), ValueInvalidError);
  assert.throws(() => encodeGattValue(m, 'x'), ValueInvalidError);
  assert.equal(Buffer.from(encodeGattValue({ ...m, type: 'bool' }, true)).toString('hex'), '01');
  assert.equal(Buffer.from(encodeGattValue({ ...m, type: 'utf8' }, 'on')).toString(), 'on');
});
