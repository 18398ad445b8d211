import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameInvalidError, ValueInvalidError } from '../../../protocols/errors.js';
import { defineObject } from '../../../protocols/lwm2m/object-rows.js';
import { SPEC_DEVICE_VALUES } from './vectors.js';
import { BUILTIN_OBJECTS, decodeTlv, decodeTlvValues, encodeTlv, encodeTlvValues, modelsOf, type ResourceValue } from '../../../protocols/lwm2m/index.js';

const models = modelsOf(BUILTIN_OBJECTS);
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// OMA LwM2M TS Core (1.0 §6.4.3.1, 1.1 §7.4.3 Table 7.4.3.2-1): Read /3/0 answered as resource TLVs.
const SPEC_DEVICE = hex(`
  C8 00 14 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65
  C8 01 16 4C 69 67 68 74 77 65 69 67 68 74 20 4D 32 4D 20 43 6C 69 65 6E 74
  C8 02 09 33 34 35 30 30 30 31 32 33
  C3 03 31 2E 30
  86 06 41 00 01 41 01 05
  88 07 08 42 00 0E D8 42 01 13 88
  87 08 41 00 7D 42 01 03 84
  C1 09 64
  C1 0A 0F
  83 0B 41 00 00
  C4 0D 51 82 42 8F
  C6 0E 2B 30 32 3A 30 30
  C1 10 55`);


// Same spec section, the payload wrapped in its Object Instance TLV: 08 = instance, 8-bit id,
// 8-bit length; id 00; length 0x79 = 121 bytes.
const SPEC_DEVICE_WRAPPED = Buffer.concat([hex('08 00 79'), SPEC_DEVICE]);

// TS Core 1.0 §6.4.3.2 B / 1.1 Table 7.4.3.2-3: Read /2 (Access Control), two instances.
// Instance 2 holds ACL instance 310 (0x0136): type 61 = resource instance, 16-bit id, length 1.
const SPEC_ACL = hex('08 00 0E C1 00 01 C1 01 00 83 02 41 7F 07 C1 03 7F   08 02 12 C1 00 03 C1 01 00 87 02 41 7F 07 61 01 36 01 C1 03 7F');

// TS Core 1.0 §6.4.3.2 C: Read /1 (Server), one instance: lifetime 86400 as 4 bytes, boolean, "U".
const SPEC_SERVER = hex('08 00 0F C1 00 01 C4 01 00 01 51 80 C1 06 01 C1 07 55');

describe('TLV raw structure (TS Core §7.4.3)', () => {
  it('decodes the spec Device example into 13 resource TLVs and re-encodes it byte for byte', () => {
    const nodes = decodeTlv(SPEC_DEVICE);
    assert.equal(nodes.length, 13);
    assert.deepEqual(nodes.map((n) => [n.kind, n.id]).slice(0, 5), [['resource', 0], ['resource', 1], ['resource', 2], ['resource', 3], ['multipleResource', 6]]);
    assert.deepEqual(encodeTlv(nodes), SPEC_DEVICE);
    assert.deepEqual(encodeTlv(decodeTlv(SPEC_ACL)), SPEC_ACL);
    assert.deepEqual(encodeTlv(decodeTlv(SPEC_DEVICE_WRAPPED)), SPEC_DEVICE_WRAPPED);
  });

  it('writes 16-bit identifiers and 8/16/24-bit length fields', () => {
    // E1 = resource, 16-bit id, 3-bit length 1: id 5850 (0x16DA), value 01 (an On/Off true).
    assert.deepEqual(encodeTlv([{ kind: 'resource', id: 5850, value: Buffer.from([1]) }]), hex('E1 16 DA 01'));
    // 8 bytes need the 8-bit length field: C8 id 08.
    assert.deepEqual(encodeTlv([{ kind: 'resource', id: 1, value: Buffer.alloc(8) }]).subarray(0, 3), hex('C8 01 08'));
    // 256 bytes: D0 = 16-bit length field, then 01 00.
    assert.deepEqual(encodeTlv([{ kind: 'resource', id: 1, value: Buffer.alloc(256) }]).subarray(0, 4), hex('D0 01 01 00'));
    // 65536 bytes: D8 = 24-bit length field, then 01 00 00.
    const big = encodeTlv([{ kind: 'resource', id: 1, value: Buffer.alloc(65536) }]);
    assert.deepEqual(big.subarray(0, 5), hex('D8 01 01 00 00'));
    assert.equal(decodeTlv(big)[0]!.value!.length, 65536);
  });
});

describe('TLV values typed by the object model', () => {
  it('reads the spec Device example at /3/0, wrapped or not', () => {
    assert.deepEqual(decodeTlvValues(SPEC_DEVICE, [3, 0], models), SPEC_DEVICE_VALUES);
    assert.deepEqual(decodeTlvValues(SPEC_DEVICE_WRAPPED, [3, 0], models), SPEC_DEVICE_VALUES);
  });

  it('encodes the spec Device values back to the spec bytes', () => {
    assert.deepEqual(encodeTlvValues(SPEC_DEVICE_VALUES, [3, 0], models), SPEC_DEVICE);
  });

  it('reads the spec Access Control and Server examples at the object level', () => {
    assert.deepEqual(decodeTlvValues(SPEC_ACL, [2], models), [
      { path: '/2/0/0', value: 1 },
      { path: '/2/0/1', value: 0 },
      { path: '/2/0/2/127', value: 7 },
      { path: '/2/0/3', value: 127 },
      { path: '/2/2/0', value: 3 },
      { path: '/2/2/1', value: 0 },
      { path: '/2/2/2/127', value: 7 },
      { path: '/2/2/2/310', value: 1 },
      { path: '/2/2/3', value: 127 },
    ]);
    const server = decodeTlvValues(SPEC_SERVER, [1], models);
    assert.deepEqual(server, [
      { path: '/1/0/0', value: 1 },
      { path: '/1/0/1', value: 86400 },
      { path: '/1/0/6', value: true },
      { path: '/1/0/7', value: 'U' },
    ]);
    assert.deepEqual(encodeTlvValues(server, [1], models), SPEC_SERVER);
  });

  it('reads object links (TS Core 1.0 §6.4.3.3 example object 65: 4 bytes, oid then iid)', () => {
    // The spec's example object 65: resource 0 multiple Objlnk, 1 String, 2 Integer.
    const obj65 = defineObject({ id: 65, name: 'Example', version: '1.0', lwm2mVersion: '1.0', multiple: false, mandatory: false, description: '' }, [
      [0, 'res0', 'R', '*', 'Objlnk', '', '', ''],
      [1, 'res1', 'R', '', 'String', '', '', ''],
      [2, 'res2', 'R', '', 'Integer', '', '', ''],
    ]);
    const spec65 = hex('88 00 0C 44 00 00 42 00 00 44 01 00 42 00 01  C8 01 0D 38 36 31 33 38 30 30 37 35 35 35 30 30  C4 02 12 34 56 78');
    const m = modelsOf(BUILTIN_OBJECTS, [obj65]);
    const values = decodeTlvValues(spec65, [65, 0], m);
    assert.deepEqual(values, [
      { path: '/65/0/0/0', value: { objectId: 66, instanceId: 0 } },
      { path: '/65/0/0/1', value: { objectId: 66, instanceId: 1 } },
      { path: '/65/0/1', value: '8613800755500' },
      { path: '/65/0/2', value: 0x12345678 },
    ]);
    assert.deepEqual(encodeTlvValues(values, [65, 0], m), spec65);
    // Hand-derived: ExtDevInfo /3/0/22 instance 0 = 66:0 -> 86 (multiple, 3-bit length 6) 16, 44 00 | 00 42 00 00.
    assert.deepEqual(encodeTlvValues([{ path: '/3/0/22/0', value: { objectId: 66, instanceId: 0 } }], [3, 0, 22], models), hex('86 16 44 00 00 42 00 00'));
  });

  it('reads a single resource, a multiple resource bare or wrapped, and a resource instance', () => {
    assert.deepEqual(decodeTlvValues(hex('C1 09 64'), [3, 0, 9], models), [{ path: '/3/0/9', value: 100 }]);
    const bare = hex('41 00 01 41 01 05');
    const want = [
      { path: '/3/0/6/0', value: 1 },
      { path: '/3/0/6/1', value: 5 },
    ];
    assert.deepEqual(decodeTlvValues(bare, [3, 0, 6], models), want);
    assert.deepEqual(decodeTlvValues(hex('86 06 41 00 01 41 01 05'), [3, 0, 6], models), want);
    assert.deepEqual(encodeTlvValues(want, [3, 0, 6], models), hex('86 06 41 00 01 41 01 05'));
    assert.deepEqual(decodeTlvValues(hex('41 01 05'), [3, 0, 6, 1], models), [want[1]]);
    assert.deepEqual(encodeTlvValues([want[1]!], [3, 0, 6, 1], models), hex('41 01 05'));
  });

  it('sizes integers and floats by value: 1/2/4/8-byte integers, 4-byte float when exact', () => {
    const enc = (path: string, value: ResourceValue['value']) => encodeTlvValues([{ path, value }], path.split('/').slice(1).map(Number), models);
    assert.deepEqual(enc('/3/0/9', 100), hex('C1 09 64'));
    assert.deepEqual(enc('/3/0/9', -1), hex('C1 09 FF'));
    assert.deepEqual(enc('/3/0/10', 3800), hex('C2 0A 0E D8'));
    assert.deepEqual(enc('/3/0/13', 1367491215), hex('C4 0D 51 82 42 8F'));
    assert.deepEqual(enc('/3/0/13', 2 ** 40), hex('C8 0D 08 00 00 01 00 00 00 00 00'));
    // 25.5 = 0x41CC0000 as float32; 21.7 needs float64 (0x4035B33333333333).
    assert.deepEqual(enc('/3303/0/5700', 25.5), hex('E4 16 44 41 CC 00 00'));
    assert.deepEqual(enc('/3303/0/5700', 21.7), hex('E8 16 44 08 40 35 B3 33 33 33 33 33'));
    assert.deepEqual(decodeTlvValues(hex('E8 16 44 08 40 35 B3 33 33 33 33 33'), [3303, 0, 5700], models), [{ path: '/3303/0/5700', value: 21.7 }]);
    // An unsigned 64-bit value past 2^53 stays exact as a bigint.
    assert.deepEqual(decodeTlvValues(hex('C8 0D 08 7F FF FF FF FF FF FF FF'), [3, 0, 13], models), [{ path: '/3/0/13', value: 2n ** 63n - 1n }]);
  });

  it('keeps resources the models do not know as opaque bytes', () => {
    assert.deepEqual(decodeTlvValues(hex('C2 01 AB CD'), [9999, 0], models), [{ path: '/9999/0/1', value: new Uint8Array([0xab, 0xcd]) }]);
  });
});

describe('TLV hostile input', () => {
  const cases: [string, string][] = [
    ['truncated header (16-bit id cut)', 'E1 16'],
    ['truncated length field', 'D0 01 01'],
    ['length beyond the buffer', 'C8 00 14 4F 70'],
    ['24-bit length beyond the buffer', 'D8 00 FF FF FF 00'],
    ['instance inside an instance', '08 00 03 00 00 00'],
    ['multiple resource inside a multiple resource', '88 06 03 80 00 00'],
    ['resource inside a multiple resource', '86 06 C1 00 01'],
  ];
  for (const [what, bytes] of cases) {
    it(`rejects ${what} with FrameInvalidError`, () => {
      assert.throws(() => decodeTlv(hex(bytes)), FrameInvalidError);
    });
  }

  it('bounds the number of entries', () => {
    assert.throws(() => decodeTlv(Buffer.alloc(3 * 5000, 0).fill(Buffer.from([0xc1, 0x00, 0x01])), { maxNodes: 4096 }), /too many TLV entries/);
  });

  it('rejects values of the wrong width for their type', () => {
    assert.throws(() => decodeTlvValues(hex('C3 09 00 00 01'), [3, 0, 9], models), FrameInvalidError); // 3-byte integer
    assert.throws(() => decodeTlvValues(hex('E1 16 DA 02'), [3311, 0, 5850], models), FrameInvalidError); // boolean 2
    assert.throws(() => decodeTlvValues(hex('E2 16 44 00 00'), [3303, 0, 5700], models), FrameInvalidError); // 2-byte float
  });

  it('rejects payloads that do not fit the request path', () => {
    assert.throws(() => decodeTlvValues(hex('C1 09 64'), [3], models), FrameInvalidError);
    assert.throws(() => decodeTlvValues(hex('08 01 03 C1 09 64'), [3, 0], models), FrameInvalidError);
    assert.throws(() => decodeTlvValues(hex('C1 0A 64'), [3, 0, 9], models), FrameInvalidError);
    assert.throws(() => decodeTlvValues(hex('C1 09 64'), [], models), FrameInvalidError);
  });

  it('refuses to encode a value outside its type', () => {
    assert.throws(() => encodeTlvValues([{ path: '/3/0/9', value: 'x' }], [3, 0, 9], models), ValueInvalidError);
    assert.throws(() => encodeTlvValues([{ path: '/3/0/9', value: 1 }], [3, 1], models), FrameInvalidError);
  });
});
