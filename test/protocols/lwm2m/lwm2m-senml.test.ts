import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CborMalformedError, SenmlInvalidError, ValueInvalidError } from '../../../protocols/errors.js';
import { SPEC_DEVICE_VALUES } from './vectors.js';
import { BUILTIN_OBJECTS, decodeLwm2mSenml, decodeLwm2mSenmlPaths, encodeLwm2mSenmlCbor, encodeLwm2mSenmlJson, modelsOf, type ResourceValue } from '../../../protocols/lwm2m/index.js';

const models = modelsOf(BUILTIN_OBJECTS);
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');


// TS Core 1.1 §7.4.4's Device example (Read /3/0): bn "/3/0/" then relative names.
const DEVICE_JSON =
  '[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"1","vs":"Lightweight M2M Client"},{"n":"2","vs":"345000123"},' +
  '{"n":"3","vs":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},' +
  '{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","vs":"+02:00"},{"n":"16","vs":"U"}]';
const DEVICE = SPEC_DEVICE_VALUES;

describe('SenML JSON (110) with LwM2M names', () => {
  it('encodes Read /3/0 byte for byte and decodes it back', () => {
    assert.equal(encodeLwm2mSenmlJson(DEVICE, [3, 0], models).toString(), DEVICE_JSON);
    assert.deepEqual(decodeLwm2mSenml(110, Buffer.from(DEVICE_JSON), [3, 0], models), DEVICE);
  });

  it('names a single resource by bn alone, and a Send at the root by absolute n', () => {
    assert.equal(encodeLwm2mSenmlJson([{ path: '/3303/0/5700', value: 21.5 }], [3303, 0, 5700], models).toString(), '[{"bn":"/3303/0/5700","v":21.5}]');
    const send = [
      { path: '/3303/0/5700', value: 21.5, time: 1700000000 },
      { path: '/3311/0/5850', value: true, time: 1700000000 },
    ];
    assert.equal(encodeLwm2mSenmlJson(send, [], models).toString(), '[{"n":"/3303/0/5700","v":21.5,"t":1700000000},{"n":"/3311/0/5850","vb":true,"t":1700000000}]');
    assert.deepEqual(decodeLwm2mSenml(110, encodeLwm2mSenmlJson(send, [], models), [], models), send);
  });

  it('carries object links as vlo and opaque values as base64url vd', () => {
    const values = [
      { path: '/3/0/22/0', value: { objectId: 66, instanceId: 0 } },
      { path: '/3/0/22/1', value: { objectId: 66, instanceId: 1 } },
    ];
    const json = '[{"bn":"/3/0/22/","n":"0","vlo":"66:0"},{"n":"1","vlo":"66:1"}]';
    assert.equal(encodeLwm2mSenmlJson(values, [3, 0, 22], models).toString(), json);
    assert.deepEqual(decodeLwm2mSenml(110, Buffer.from(json), [3, 0, 22], models), values);
    const pkg = [{ path: '/5/0/0', value: new Uint8Array([0xfb, 0xff]) }];
    assert.equal(encodeLwm2mSenmlJson(pkg, [5, 0, 0], models).toString(), '[{"bn":"/5/0/0","vd":"-_8"}]');
    assert.deepEqual(decodeLwm2mSenml(110, Buffer.from('[{"bn":"/5/0/0","vd":"-_8"}]'), [5, 0, 0], models), pkg);
  });

  it('resolves base time, relative times and base names across records (RFC 8428 §4.5.3)', () => {
    const json = '[{"bn":"/3303/0/","bt":1700000000,"n":"5700","v":20},{"n":"5700","t":10,"v":21},{"bn":"/3303/1/","n":"5700","t":-1700000000,"v":22}]';
    assert.deepEqual(decodeLwm2mSenml(110, Buffer.from(json), [3303], models, { nowSec: 5000 }), [
      { path: '/3303/0/5700', value: 20, time: 1700000000 },
      { path: '/3303/0/5700', value: 21, time: 1700000010 },
      { path: '/3303/1/5700', value: 22, time: 5000 },
    ]);
  });

  it('reads the paths of a Read-Composite request', () => {
    assert.deepEqual(decodeLwm2mSenmlPaths(110, Buffer.from('[{"bn":"/3/0/","n":"0"},{"n":"9"},{"bn":"/3303/0/5700"}]')), ['/3/0/0', '/3/0/9', '/3303/0/5700']);
  });

  const hostile: [string, string, new (...a: never[]) => Error, RegExp][] = [
    ['a name that is not a path', '[{"n":"temp","v":1}]', SenmlInvalidError, /not a LwM2M path/],
    ['a path deeper than 4', '[{"n":"/1/2/3/4/5","v":1}]', SenmlInvalidError, /deeper than 4/],
    ['two value fields', '[{"n":"/3303/0/5700","v":1,"vs":"x"}]', SenmlInvalidError, /exactly one of/],
    ['no value', '[{"n":"/3303/0/5700"}]', SenmlInvalidError, /exactly one of/],
    ['a vlo that is not text', '[{"n":"/3/0/22/0","vlo":66}]', SenmlInvalidError, /vlo must be text/],
    ['a malformed vlo', '[{"n":"/3303/0/5700","vlo":"66"}]', SenmlInvalidError, /is not oid:iid/],
    ['a value outside the path', '[{"n":"/3/0/9","v":1}]', SenmlInvalidError, /lies outside \/3303/],
    ['an object-level name', '[{"n":"/3303/0","v":1}]', SenmlInvalidError, /is not a resource/],
    ['a value of the wrong type', '[{"n":"/3303/0/5700","vs":"hot"}]', ValueInvalidError, /not a valid Float/],
    ['not JSON', '[{"n":', SenmlInvalidError, /malformed SenML\+JSON/],
  ];
  for (const [what, json, cls, msg] of hostile) {
    it(`rejects ${what}`, () => {
      assert.throws(() => decodeLwm2mSenml(110, Buffer.from(json), [3303], models), (e: unknown) => e instanceof cls && msg.test((e as Error).message));
    });
  }
});

describe('SenML CBOR (112) with LwM2M names', () => {
  it('encodes a Send record byte for byte (hand-derived)', () => {
    // [{0: "/3303/0/5700", 2: 25.5, 6: 1700000000}]: 81 A3, 00 6C <12 chars>, 02 FB 4039800000000000, 06 1A 6553F100.
    const want = hex('81 A3 00 6C 2F333330332F302F35373030 02 FB 4039800000000000 06 1A 6553F100');
    const values = [{ path: '/3303/0/5700', value: 25.5, time: 1700000000 }];
    assert.deepEqual(encodeLwm2mSenmlCbor(values, [], models), want);
    assert.deepEqual(decodeLwm2mSenml(112, want, [], models), values);
  });

  it('encodes base names with label -2 and object links as the text label "vlo"', () => {
    // [{-2: "/3/0/22/", 0: "0", "vlo": "66:0"}, {0: "1", "vlo": "66:1"}]
    const want = hex('82 A3 21 68 2F332F302F32322F 00 61 30 63 766C6F 64 36363A30   A2 00 61 31 63 766C6F 64 36363A31');
    const values = [{ path: '/3/0/22/0', value: { objectId: 66, instanceId: 0 } }, { path: '/3/0/22/1', value: { objectId: 66, instanceId: 1 } }];
    assert.deepEqual(encodeLwm2mSenmlCbor(values, [3, 0, 22], models), want);
    assert.deepEqual(decodeLwm2mSenml(112, want, [3, 0, 22], models), values);
  });

  it('round-trips every value type through SenML CBOR', () => {
    const values: ResourceValue[] = [
      { path: '/3/0/0', value: 'Roost' },
      { path: '/3/0/9', value: 87 },
      { path: '/3/0/13', value: 1700000000 },
      { path: '/5/0/0', value: new Uint8Array([0, 1, 2]) },
      { path: '/3311/0/5850', value: false },
      { path: '/3303/0/5700', value: -3.25 },
      { path: '/3/0/22/0', value: { objectId: 3, instanceId: 1 } },
    ];
    assert.deepEqual(decodeLwm2mSenml(112, encodeLwm2mSenmlCbor(values, [], models), [], models), values);
  });

  it('rejects malformed CBOR and records that are not maps', () => {
    assert.throws(() => decodeLwm2mSenml(112, hex('81 A3 00'), [], models), CborMalformedError);
    assert.throws(() => decodeLwm2mSenml(112, hex('81 01'), [], models), SenmlInvalidError);
    assert.throws(() => decodeLwm2mSenml(112, hex('A0'), [], models), SenmlInvalidError);
  });
});
