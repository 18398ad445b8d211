import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CborMalformedError, ValueInvalidError } from '../../../protocols/errors.js';
import { BUILTIN_OBJECTS, decodeLwm2mCbor, encodeLwm2mCbor, modelsOf, type ResourceValue } from '../../../protocols/lwm2m/index.js';

const models = modelsOf(BUILTIN_OBJECTS);
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Hand-derived (RFC 8949 major types; TS Core 1.2 §7.4.6 layout). 3303 = 19 0CE7, 5700 = 19 1644,
// 5701 = 19 1645, 3311 = 19 0CEF, 5850 = 19 16DA; 25.5 = FB 4039800000000000 (or F9 4E60 half).
const VECTORS: [string, string, ResourceValue[]][] = [
  ['one Float resource {3303: {0: {5700: 25.5}}}', 'A1 19 0CE7 A1 00 A1 19 1644 FB 4039800000000000', [{ path: '/3303/0/5700', value: 25.5 }]],
  ['a Boolean {3311: {0: {5850: true}}}', 'A1 19 0CEF A1 00 A1 19 16DA F5', [{ path: '/3311/0/5850', value: true }]],
  ['Time as tag 1 {3: {0: {13: 1(1367491215)}}}', 'A1 03 A1 00 A1 0D C1 1A 5182428F', [{ path: '/3/0/13', value: 1367491215 }]],
  ['an object link as text {3: {0: {22: {0: "66:0"}}}}', 'A1 03 A1 00 A1 16 A1 00 64 36363A30', [{ path: '/3/0/22/0', value: { objectId: 66, instanceId: 0 } }]],
  ['Opaque as a byte string {5: {0: {0: h\'010203\'}}}', 'A1 05 A1 00 A1 00 43 010203', [{ path: '/5/0/0', value: new Uint8Array([1, 2, 3]) }]],
  [
    'two instances and a multiple resource',
    'A1 03 A1 00 A2 06 A2 00 01 01 05 09 18 64',
    [
      { path: '/3/0/6/0', value: 1 },
      { path: '/3/0/6/1', value: 5 },
      { path: '/3/0/9', value: 100 },
    ],
  ],
];

describe('LwM2M CBOR (11544)', () => {
  for (const [what, bytes, values] of VECTORS) {
    it(`encodes and decodes ${what}`, () => {
      assert.deepEqual(encodeLwm2mCbor(values, models), hex(bytes));
      assert.deepEqual(decodeLwm2mCbor(hex(bytes), [], models), values);
    });
  }

  it('reads keys that are arrays of path components, half floats and indefinite-length maps', () => {
    const want = [{ path: '/3303/0/5700', value: 25.5 }];
    // {[3303, 0, 5700]: 25.5} with a half-precision float.
    assert.deepEqual(decodeLwm2mCbor(hex('A1 83 19 0CE7 00 19 1644 F9 4E60'), [3303, 0, 5700], models), want);
    // {[3303, 0]: {5700: 25.5, 5701: "Cel"}}
    assert.deepEqual(decodeLwm2mCbor(hex('A1 82 19 0CE7 00 A2 19 1644 F9 4E60 19 1645 63 43656C'), [3303, 0], models), [...want, { path: '/3303/0/5701', value: 'Cel' }]);
    // The same as indefinite-length maps: BF ... FF.
    assert.deepEqual(decodeLwm2mCbor(hex('BF 19 0CE7 BF 00 BF 19 1644 F9 4E60 FF FF FF'), [3303], models), want);
  });

  it('decodes a decimal fraction (tag 4) as a number', () => {
    // {[3303, 0, 5700]: 4([-1, 255])} = 25.5
    assert.deepEqual(decodeLwm2mCbor(hex('A1 83 19 0CE7 00 19 1644 C4 82 20 18 FF'), [], models), [{ path: '/3303/0/5700', value: 25.5 }]);
  });

  it('keeps 64-bit integers exact (bigint past 2^53, uint64 on the wire past 2^32)', () => {
    const values = [{ path: '/3/0/10', value: 2 ** 40 }];
    const b = encodeLwm2mCbor(values, models);
    assert.deepEqual(b, hex('A1 03 A1 00 A1 0A 1B 0000010000000000'));
    assert.deepEqual(decodeLwm2mCbor(b, [3], models), values);
    assert.deepEqual(decodeLwm2mCbor(hex('A1 03 A1 00 A1 0A 1B 7FFFFFFFFFFFFFFF'), [3], models), [{ path: '/3/0/10', value: 2n ** 63n - 1n }]);
  });

  const hostile: [string, string, RegExp][] = [
    ['nesting too deep', 'A1 01 A1 02 A1 03 A1 04 A1 05 01', /nesting too deep/],
    ['a key array longer than a path', 'A1 85 01 02 03 04 05 01', /nesting too deep/],
    ['a root that is not a map', '83 01 02 03', /must be a CBOR map/],
    ['a negative key', 'A1 20 01', /is not an id/],
    ['a text key', 'A1 61 61 01', /is not an id/],
    ['a key past 65534', 'A1 19 FFFF 01', /is not an id/],
    ['an empty key array', 'A1 80 01', /empty key array/],
    ['a value at an instance', 'A1 03 A1 00 05', /is not a resource/],
    ['an array as a value', 'A1 83 03 00 09 82 01 02', /is not a LwM2M value/],
    ['null as a value', 'A1 83 03 00 09 F6', /is not a LwM2M value/],
    ['an unknown tag', 'A1 83 03 00 09 D8 25 50 00112233445566778899AABBCCDDEEFF', /tag 37/],
    ['truncated bytes', 'A1 19 0CE7 A1 00 A1 19 16', /malformed CBOR/],
    ['trailing bytes', 'A0 00', /expected one CBOR item/],
  ];
  for (const [what, bytes, msg] of hostile) {
    it(`rejects ${what} with CborMalformedError`, () => {
      assert.throws(() => decodeLwm2mCbor(hex(bytes), [], models), (e: unknown) => e instanceof CborMalformedError && msg.test(e.message));
    });
  }

  it('rejects 100,000 nested arrays without overflowing the stack', () => {
    assert.throws(() => decodeLwm2mCbor(Buffer.alloc(100_000, 0x81), [], models), CborMalformedError);
  });

  it('rejects values outside the request path and values of the wrong type', () => {
    assert.throws(() => decodeLwm2mCbor(hex('A1 03 A1 00 A1 09 18 64'), [3303], models), /lies outside \/3303/);
    // {[3303, 0, 5700]: "hot"}
    assert.throws(() => decodeLwm2mCbor(hex('A1 83 19 0CE7 00 19 1644 63 686F74'), [], models), ValueInvalidError);
  });

  it('bounds the number of values', () => {
    const many = encodeLwm2mCbor(Array.from({ length: 20 }, (_, i) => ({ path: `/3303/${i}/5700`, value: i })), models);
    assert.throws(() => decodeLwm2mCbor(many, [], models, { maxValues: 10 }), /more than 10 values/);
  });
});
