import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameInvalidError } from '../../../protocols/errors.js';
import { parseBindKey } from '../../../protocols/bthome/bthome-crypto.js';
import { decodeBthome, encodeBthome } from '../../../protocols/bthome/bthome-frame.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const values = (f: { objects: Array<{ key: string; value: unknown }> }) => Object.fromEntries(f.objects.map((o) => [o.key, o.value]));

// Vectors from Home Assistant's bthome-ble tests (tests/test_parser_v2.py): an independent implementation.
const HA_KEY = parseBindKey('231d39c1d7cc1ab1aee224cd096db932');
const HA_ADDRESS = '54:48:E6:8F:80:A5';
const HA_ENCRYPTED = hex('41 a47266c95f73 00112233 78237214');

function reason(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FrameInvalidError, `expected FrameInvalidError, got ${String(err)}`);
    return err.details?.['reason'];
  }
  assert.fail('no error');
}

test('plaintext frame: pressure (bthome-ble test_encryption_no_key_needed)', () => {
  const f = decodeBthome(hex('40 04 138a01'), { address: 'A4:C1:38:8D:18:B2' });
  assert.equal(f.encrypted, false);
  assert.equal(f.triggerBased, false);
  assert.equal(f.mac, 'a4:c1:38:8d:18:b2');
  assert.deepEqual(values(f), { pressure: 1008.83 });
});

test('trigger-based flag (bthome-ble test_sleepy_device)', () => {
  assert.equal(decodeBthome(hex('44 04 138a01'), { address: 'A4:C1:38:8D:18:B2' }).triggerBased, true);
});

test('Shelly BLU H&T Display frame: packet id, battery, temperature 0.1, humidity 1 byte', () => {
  const f = decodeBthome(hex('40 002e 0164 1e01 2e34 451601'), { address: HA_ADDRESS });
  assert.deepEqual(values(f), { packetId: 46, battery: 100, light: true, humidity: 52, temperature: 27.8 });
});

test('encrypted frame decrypts with the right key (bthome-ble test_bindkey_correct)', () => {
  const f = decodeBthome(HA_ENCRYPTED, { address: HA_ADDRESS, key: HA_KEY });
  assert.equal(f.encrypted, true);
  assert.equal(f.counter, 0x33221100);
  assert.deepEqual(values(f), { temperature: 25.06, humidity: 50.55 });
});

test('encoder reproduces the bthome-ble encrypted vector byte for byte', () => {
  const bytes = encodeBthome({ objects: [{ id: 0x02, value: 25.06 }, { id: 0x03, value: 50.55 }], mac: HA_ADDRESS, key: HA_KEY, counter: 0x33221100 });
  assert.equal(Buffer.from(bytes).toString('hex'), Buffer.from(HA_ENCRYPTED).toString('hex'));
});

test('wrong key, no key, plaintext with a key, bad version are typed errors', () => {
  assert.equal(reason(() => decodeBthome(HA_ENCRYPTED, { address: HA_ADDRESS, key: parseBindKey('814aac74c4f17b6c1581e1ab87816b99') })), 'mic');
  assert.equal(reason(() => decodeBthome(HA_ENCRYPTED, { address: HA_ADDRESS })), 'no_key');
  assert.equal(reason(() => decodeBthome(hex('40 04 138a01'), { address: HA_ADDRESS, key: HA_KEY })), 'plaintext_with_key');
  assert.equal(reason(() => decodeBthome(hex('e1 0200 0c04 04138a01'), { address: HA_ADDRESS })), 'version');
  assert.equal(reason(() => decodeBthome(new Uint8Array(0), { address: HA_ADDRESS })), 'truncated');
});

test('a flipped bit anywhere in an encrypted frame fails authentication', () => {
  for (let i = 1; i < HA_ENCRYPTED.length; i++) {
    const bad = HA_ENCRYPTED.slice();
    bad[i] = (bad[i] as number) ^ 0x01;
    assert.equal(reason(() => decodeBthome(bad, { address: HA_ADDRESS, key: HA_KEY })), 'mic', `byte ${i}`);
  }
});

test('every truncation of an encrypted frame is rejected', () => {
  for (let len = 0; len < HA_ENCRYPTED.length; len++) {
    assert.throws(() => decodeBthome(HA_ENCRYPTED.subarray(0, len), { address: HA_ADDRESS, key: HA_KEY }), FrameInvalidError, `length ${len}`);
  }
});

test('every truncation of a plain frame decodes a prefix of its objects or is rejected', () => {
  const full = hex('40 002e 0164 02ca09 03bf13 3a01 3c0203');
  const all = decodeBthome(full, { address: HA_ADDRESS }).objects;
  for (let len = 1; len < full.length; len++) {
    try {
      const part = decodeBthome(full.subarray(0, len), { address: HA_ADDRESS }).objects;
      assert.deepEqual(part.map((o) => o.id), all.slice(0, part.length).map((o) => o.id), `length ${len}`);
    } catch (err) {
      assert.ok(err instanceof FrameInvalidError, `length ${len}`);
    }
  }
});

test('MAC carried in the frame (bit 1) is used for the nonce and reported', () => {
  const mac = '11:22:33:44:55:66';
  const bytes = encodeBthome({ objects: [{ id: 0x01, value: 90 }], mac, includeMac: true, key: HA_KEY, counter: 7 });
  assert.equal(bytes[0], 0x43);
  assert.equal(Buffer.from(bytes.subarray(1, 7)).toString('hex'), '665544332211');
  const f = decodeBthome(bytes, { address: 'aa:bb:cc:dd:ee:ff', key: HA_KEY });
  assert.equal(f.mac, mac);
  assert.equal(f.counter, 7);
  assert.deepEqual(values(f), { battery: 90 });
});
