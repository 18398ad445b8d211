import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'coap-packet';
import { BadRequestError, PreconditionFailedError } from '../../../protocols/errors.js';
import { DEFAULT_LIFETIME_S, parseRegister, parseRegistrationLinks, parseRegistrationQuery } from '../../../protocols/lwm2m/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** The Uri-Query options and body of a Register datagram, as a server reads them. */
function requestOf(datagram: Buffer): { query: string[]; body: string } {
  const p = parse(datagram);
  return { query: p.options.filter((o) => o.name === 'Uri-Query').map((o) => o.value.toString()), body: p.payload.toString() };
}

// Wakaama's Register (RFC 7252 §3 framing, assembled by hand from the values it sends):
// 44 CON, TKL 4 | 02 POST | 1234 MID | abcdef01 token | b2 Uri-Path(11) "rd" | 11 Content-Format(12) 40 |
// 39 Uri-Query(15) "lwm2m=1.1" | 0d 0e Uri-Query, length 13+14=27, "ep=urn:imei:123456789012345" |
// 03 "b=U" | 05 "lt=60" | ff payload `</>;rt="oma.lwm2m";ct=110,</1>;ver=1.1,</1/0>,</3/0>,</3303/0>`.
const WAKAAMA_REGISTER = hex(`
  44 02 12 34 ab cd ef 01
  b2 72 64
  11 28
  39 6c 77 6d 32 6d 3d 31 2e 31
  0d 0e 65 70 3d 75 72 6e 3a 69 6d 65 69 3a 31 32 33 34 35 36 37 38 39 30 31 32 33 34 35
  03 62 3d 55
  05 6c 74 3d 36 30
  ff 3c 2f 3e 3b 72 74 3d 22 6f 6d 61 2e 6c 77 6d 32 6d 22 3b 63 74 3d 31 31 30 2c 3c 2f 31 3e 3b 76 65 72 3d 31 2e 31 2c
     3c 2f 31 2f 30 3e 2c 3c 2f 33 2f 30 3e 2c 3c 2f 33 33 30 33 2f 30 3e`);

// Anjay 1.2's Register with Queue Mode as the bare Q parameter (same framing; 8-byte token):
// ... 39 "lwm2m=1.2" | 0d 01 "ep=anjay-dev-1" (14 bytes) | 05 "lt=60" | 01 "Q" | ff `</1>;ver=1.2,</1/1>,</3>;ver=1.2,</3/0>,</3303/0>,</3303/1>`.
const ANJAY_REGISTER = hex(`
  48 02 00 01 01 02 03 04 05 06 07 08
  b2 72 64
  11 28
  39 6c 77 6d 32 6d 3d 31 2e 32
  0d 01 65 70 3d 61 6e 6a 61 79 2d 64 65 76 2d 31
  05 6c 74 3d 36 30
  01 51
  ff 3c 2f 31 3e 3b 76 65 72 3d 31 2e 32 2c 3c 2f 31 2f 31 3e 2c 3c 2f 33 3e 3b 76 65 72 3d 31 2e 32 2c 3c 2f 33 2f 30 3e 2c
     3c 2f 33 33 30 33 2f 30 3e 2c 3c 2f 33 33 30 33 2f 31 3e`);

describe('LwM2M Register (TS Core §6.2.1)', () => {
  it("reads Wakaama's Register datagram", () => {
    const { query, body } = requestOf(WAKAAMA_REGISTER);
    assert.deepEqual(query, ['lwm2m=1.1', 'ep=urn:imei:123456789012345', 'b=U', 'lt=60']);
    assert.deepEqual(parseRegister(query, body), {
      endpoint: 'urn:imei:123456789012345',
      lifetimeS: 60,
      version: '1.1',
      binding: 'U',
      transports: ['U'],
      queueMode: false,
      rootPath: '',
      contentFormats: [110],
      objects: [
        { objectId: 1, version: '1.1', instances: [0] },
        { objectId: 3, version: '1.0', instances: [0] },
        { objectId: 3303, version: '1.0', instances: [0] },
      ],
    });
  });

  it("reads Anjay 1.2's Register with Queue Mode from the bare Q", () => {
    const { query, body } = requestOf(ANJAY_REGISTER);
    assert.deepEqual(query, ['lwm2m=1.2', 'ep=anjay-dev-1', 'lt=60', 'Q']);
    const reg = parseRegister(query, body);
    assert.equal(reg.version, '1.2');
    assert.equal(reg.queueMode, true);
    assert.equal(reg.binding, 'U');
    assert.deepEqual(reg.objects, [
      { objectId: 1, version: '1.2', instances: [1] },
      { objectId: 3, version: '1.2', instances: [0] },
      { objectId: 3303, version: '1.0', instances: [0, 1] },
    ]);
    // The same query as one string.
    assert.deepEqual(parseRegister('lwm2m=1.2&ep=anjay-dev-1&lt=60&Q', body), reg);
  });

  it('takes Queue Mode from a 1.0 binding (b=UQ) and defaults version, lifetime and binding', () => {
    const reg = parseRegister(['ep=old', 'b=UQ'], '</3/0>');
    assert.deepEqual([reg.version, reg.queueMode, reg.transports, reg.lifetimeS], ['1.0', true, ['U'], 86400]);
    const bare = parseRegister(['ep=x'], '</3/0>');
    assert.deepEqual([bare.binding, bare.queueMode, bare.lifetimeS], ['U', false, DEFAULT_LIFETIME_S]);
    assert.deepEqual(parseRegister(['ep=x', 'b=US'], '').transports, ['U', 'S']);
  });

  it('ignores sms and unknown parameters, keeps apn', () => {
    const reg = parseRegister(['ep=cell', 'lwm2m=1.1', 'sms=+15551234', 'apn=iot.example', 'vendor=x'], '</3/0>');
    assert.equal(reg.apn, 'iot.example');
    assert.equal('sms' in reg, false);
  });

  it('answers an unsupported version with 4.12 (PreconditionFailedError)', () => {
    for (const v of ['1.3', '2.0', '0.9', '1']) {
      assert.throws(
        () => parseRegister([`lwm2m=${v}`, 'ep=x'], ''),
        (e: unknown) => e instanceof PreconditionFailedError && e.coapCode === '4.12' && e.details?.['version'] === v,
      );
    }
  });

  const bad: [string, string[], RegExp][] = [
    ['no endpoint', ['lt=60'], /without an endpoint name/],
    ['an empty endpoint', ['ep='], /endpoint name/],
    ['a control character in the endpoint', ['ep=a\u0001b'], /endpoint name/],
    ['a lifetime that is not a number', ['ep=x', 'lt=soon'], /lifetime/],
    ['a repeated parameter', ['ep=x', 'ep=y'], /given twice/],
    ['a binding with other letters', ['ep=x', 'b=UDP'], /binding/],
    ['Q with a value', ['ep=x', 'Q=1'], /Q takes no value/],
    ['lwm2m without a value', ['ep=x', 'lwm2m'], /needs a value/],
  ];
  for (const [what, query, msg] of bad) {
    it(`answers ${what} with 4.00`, () => {
      assert.throws(() => parseRegister(query, ''), (e: unknown) => e instanceof BadRequestError && e.coapCode === '4.00' && msg.test(e.message));
    });
  }
});

describe('registration links', () => {
  it('reads an alternate root, quoted content-format lists and object versions', () => {
    assert.deepEqual(parseRegistrationLinks('</lwm2m>;rt="oma.lwm2m";ct="60 110 112 11542 11544",</lwm2m/1/0>,</lwm2m/3>;ver=1.2,</lwm2m/3/0>,</lwm2m/5/0>'), {
      rootPath: '/lwm2m',
      contentFormats: [60, 110, 112, 11542, 11544],
      objects: [
        { objectId: 1, version: '1.0', instances: [0] },
        { objectId: 3, version: '1.2', instances: [0] },
        { objectId: 5, version: '1.0', instances: [0] },
      ],
    });
  });

  const bad: [string, string, RegExp][] = [
    ['a link outside the root', '</lwm2m>;rt="oma.lwm2m",</3/0>', /outside the LwM2M root/],
    ['a resource path', '</3/0/1>', /not an object or object instance/],
    ['an id past 65534', '</70000/0>', /not an object or object instance/],
    ['a bad ver', '</3>;ver=latest', /is not major.minor/],
    ['a bad ct', '</>;rt="oma.lwm2m";ct="60 json"', /is not a content format/],
    ['broken link-format', '</3/0', /link-format/],
  ];
  for (const [what, body, msg] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(() => parseRegistrationLinks(body), (e: unknown) => e instanceof BadRequestError && msg.test(e.message));
    });
  }

  it('bounds the number of links', () => {
    const body = Array.from({ length: 600 }, (_, i) => `</3303/${i}>`).join(',');
    assert.throws(() => parseRegistrationLinks(body), /more than 512 links/);
  });

  it('reads the Update query (lifetime, binding) without requiring an endpoint', () => {
    assert.deepEqual(parseRegistrationQuery(['lt=120', 'b=U']), { lifetimeS: 120, binding: 'U' });
  });
});
