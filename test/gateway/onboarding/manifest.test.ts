import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseManifest } from '../../../gateway/onboarding/manifest.js';
import { BadRequestError } from '../../../protocols/errors.js';

const SECRET = '0102030405060708090a0b0c0d0e0f10';
const KEY = '231d39c1d7cc1ab1aee224cd096db932';

describe('device manifest parser', () => {
  it('reads JSON and CSV into the same entries (hex lower-cased, empty cells absent)', () => {
    const fromJson = parseManifest(JSON.stringify([
      { binding: 'coap', deviceId: 'n1', name: 'Boiler', oscore: { masterSecret: SECRET.toUpperCase(), masterSalt: '9e7ca92223786340', recipientId: '01' } },
      { binding: 'ble', deviceId: 'a4c1380a1b2c', bthomeKey: KEY },
    ]));
    const fromCsv = parseManifest([
      '\uFEFFbinding,device_id,name,oscore_master_secret,oscore_master_salt,oscore_recipient_id,oscore_sender_id,oscore_id_context,bthome_key,public_key_sha256',
      `coap,n1,Boiler,${SECRET.toUpperCase()},9e7ca92223786340,01,,,,`,
      '# a comment line',
      '',
      `ble,a4c1380a1b2c,,,,,,,${KEY},`,
    ].join('\r\n'));
    const expected = [
      { binding: 'coap', deviceId: 'n1', name: 'Boiler', credentials: { oscore: { masterSecret: SECRET, senderId: '', recipientId: '01', masterSalt: '9e7ca92223786340' } } },
      { binding: 'ble', deviceId: 'a4c1380a1b2c', credentials: { bthomeKey: KEY } },
    ];
    assert.deepEqual(fromJson, expected);
    assert.deepEqual(fromCsv, expected);
  });

  it('quoted CSV fields keep commas and doubled quotes', () => {
    const [e] = parseManifest(`binding,device_id,name\nserial,s1,"Hall, ""upstairs"""\n`);
    assert.equal(e!.name, 'Hall, "upstairs"');
  });

  it('the first bad entry throws one BadRequestError naming where, never echoing a secret', () => {
    const cases: Array<[string, RegExp]> = [
      [`binding,device_id,oscore_master_secret,oscore_recipient_id\ncoap,a,${SECRET},01\ncoap,b,0102,02`, /^manifest line 3, column oscore_master_secret: must be 16-32 bytes, is 2$/],
      [`binding,device_id,oscore_master_secret,oscore_recipient_id\ncoap,a,${SECRET},0102030405060708`, /line 2, column oscore_recipient_id: must be 0-7 bytes, is 8/],
      [`binding,device_id,oscore_master_secret\ncoap,a,${SECRET}`, /line 2, column oscore_recipient_id: missing/],
      [`binding,device_id,bthome_key\nble,a,${KEY}00`, /line 2, column bthome_key: must be 16 bytes, is 17/],
      [`binding,device_id,bthome_key\nble,a,${KEY.slice(1)}x`, /line 2, column bthome_key: not an even number of hex digits/],
      ['binding,device_id,colour\nble,a,red', /line 1, column 3: unknown column 'colour'/],
      ['binding,name\nble,a', /line 1, column device_id: missing from the header/],
      ['binding,device_id\nble,a,extra', /line 2, column 3: 3 fields, the header has 2/],
      ['binding,device_id\nBLE!,a', /line 2, column binding: not a binding name/],
      ['binding,device_id\nble,a\nble,a', /line 3, column device_id: device a of binding ble listed twice/],
      ['binding,device_id,oscore_recipient_id\ncoap,a,01', /line 2, column oscore_recipient_id: given without oscore_master_secret/],
      ['binding,device_id\n', /manifest: no devices/],
      [JSON.stringify([{ binding: 'ble', deviceId: 'a', bthomeKey: KEY }, { binding: 'ble', deviceId: 'b', colour: 'red' }]), /entry 1, column colour: unknown field/],
      [JSON.stringify([{ binding: 'coap', deviceId: 'a', oscore: { recipientId: '01' } }]), /entry 0, column oscore.masterSecret: missing/],
      [`[{"binding":"coap","deviceId":"a","oscore":{"masterSecret":"${SECRET}"`, /^manifest: not valid JSON$/],
    ];
    for (const [text, re] of cases) {
      assert.throws(() => parseManifest(text), (err: unknown) => {
        assert.ok(err instanceof BadRequestError, text);
        assert.match(err.message, re, text);
        assert.ok(!err.message.includes(SECRET) && !err.message.includes(KEY), `${err.message} echoes a secret`);
        return true;
      });
    }
  });
});
