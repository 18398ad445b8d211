import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnsupportedMediaTypeError, ValueInvalidError } from '../../../protocols/errors.js';
import { BUILTIN_OBJECTS, CONTENT_FORMAT, decodeLwm2mContent, encodeLwm2mContent, modelsOf, parsePath, type ResourceValue } from '../../../protocols/lwm2m/index.js';

const models = modelsOf(BUILTIN_OBJECTS);
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const one = (path: string, value: ResourceValue['value']): ResourceValue[] => [{ path, value }];

describe('plain text (0), TS Core §7.4.1', () => {
  const cases: [string, ResourceValue['value'], string][] = [
    ['/3303/0/5700', 21.5, '21.5'],
    ['/3/0/9', 100, '100'],
    ['/3311/0/5850', true, '1'],
    ['/3311/0/5850', false, '0'],
    ['/3/0/0', 'Open Mobile Alliance', 'Open Mobile Alliance'],
    ['/3/0/13', 1367491215, '1367491215'],
    ['/3/0/22/0', { objectId: 66, instanceId: 0 }, '66:0'],
    ['/5/0/0', new Uint8Array([1, 2, 3, 4, 5]), 'AQIDBAU='],
  ];
  for (const [path, value, text] of cases) {
    it(`${path} <-> "${text}"`, () => {
      assert.equal(encodeLwm2mContent(CONTENT_FORMAT.TEXT, one(path, value), parsePath(path), models).toString(), text);
      assert.deepEqual(decodeLwm2mContent(CONTENT_FORMAT.TEXT, Buffer.from(text), parsePath(path), models), one(path, value));
    });
  }

  it('rejects text that does not fit the type, and text for more than one resource', () => {
    assert.throws(() => decodeLwm2mContent(0, Buffer.from('warm'), [3303, 0, 5700], models), ValueInvalidError);
    assert.throws(() => decodeLwm2mContent(0, Buffer.from('12.5'), [3, 0, 9], models), ValueInvalidError);
    assert.throws(() => decodeLwm2mContent(0, Buffer.from('true'), [3311, 0, 5850], models), ValueInvalidError);
    assert.throws(() => decodeLwm2mContent(0, Buffer.from('!!'), [5, 0, 0], models), ValueInvalidError);
    assert.throws(() => decodeLwm2mContent(0, Buffer.from('1'), [3303, 0], models), UnsupportedMediaTypeError);
    assert.throws(() => encodeLwm2mContent(0, [...one('/3/0/9', 1), ...one('/3/0/10', 2)], [3, 0, 9], models), ValueInvalidError);
  });
});

describe('opaque (42) and CBOR (60)', () => {
  it('carries an Opaque resource as its raw bytes only', () => {
    const v = one('/5/0/0', new Uint8Array([0xde, 0xad]));
    assert.deepEqual(encodeLwm2mContent(42, v, [5, 0, 0], models), hex('DE AD'));
    assert.deepEqual(decodeLwm2mContent(42, hex('DE AD'), [5, 0, 0], models), v);
    assert.throws(() => decodeLwm2mContent(42, hex('01'), [3, 0, 9], models), UnsupportedMediaTypeError);
  });

  it('carries one value as plain CBOR', () => {
    assert.deepEqual(encodeLwm2mContent(60, one('/3303/0/5700', 25.5), [3303, 0, 5700], models), hex('FB 4039800000000000'));
    assert.deepEqual(decodeLwm2mContent(60, hex('F9 4E60'), [3303, 0, 5700], models), one('/3303/0/5700', 25.5));
    assert.deepEqual(decodeLwm2mContent(60, hex('64 36363A30'), [3, 0, 22, 0], models), one('/3/0/22/0', { objectId: 66, instanceId: 0 }));
    assert.throws(() => decodeLwm2mContent(60, hex('F5'), [3303, 0, 5700], models), ValueInvalidError);
  });
});

describe('content-format table', () => {
  it('dispatches every multi-value format to its codec and round-trips an instance', () => {
    const values: ResourceValue[] = [
      { path: '/3303/0/5700', value: 21.5 },
      { path: '/3303/0/5701', value: 'Cel' },
    ];
    for (const cf of [CONTENT_FORMAT.TLV, CONTENT_FORMAT.LWM2M_CBOR, CONTENT_FORMAT.SENML_JSON, CONTENT_FORMAT.SENML_CBOR]) {
      assert.deepEqual(decodeLwm2mContent(cf, encodeLwm2mContent(cf, values, [3303, 0], models), [3303, 0], models), values, `format ${cf}`);
    }
  });

  it('answers formats it does not speak with 4.15', () => {
    for (const cf of [CONTENT_FORMAT.LWM2M_JSON, CONTENT_FORMAT.LINK_FORMAT, 50, 9999]) {
      assert.throws(() => decodeLwm2mContent(cf, Buffer.from('{}'), [3, 0], models), (e: unknown) => e instanceof UnsupportedMediaTypeError && e.coapCode === '4.15');
    }
  });
});
