import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import mqttPacket from 'mqtt-packet';
import { Publish0Encoder } from '../../../gateway/mqtt/qos0-delivery.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('QoS 0 PUBLISH encoder', () => {
  it('writes the bytes of MQTT 3.1.1 §3.3', () => {
    // PUBLISH, QoS 0, RETAIN 1; Remaining Length 7; topic "a/b"; payload 01 02.
    assert.deepEqual(new Publish0Encoder().encode('a/b', hex('0102'), true), hex('31 07 0003 612f62 0102'));
    assert.deepEqual(new Publish0Encoder().encode('a/b', Buffer.alloc(0), false), hex('30 05 0003 612f62'));
  });

  it('agrees with mqtt-packet at every Remaining Length boundary, multi-byte topics included', () => {
    const enc = new Publish0Encoder();
    for (const topic of ['t', 'things/urn:roost:coap:t1/property/temp', 'Zürich/°C']) {
      for (const size of [0, 1, 120, 121, 122, 123, 127, 128, 16380, 16383, 16384, 70000, 2097152]) {
        const payload = Buffer.alloc(size, 0x61);
        for (const retain of [false, true]) {
          const expected = mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 0, retain, dup: false });
          assert.ok(enc.encode(topic, payload, retain).equals(expected), `${topic} ${size} ${retain}`);
        }
      }
    }
  });

  it('serialises a message once for all its subscribers, and again when anything differs', () => {
    const enc = new Publish0Encoder();
    const payload = Buffer.from('21.5');
    const first = enc.encode('things/a/property/t', payload, false);
    assert.equal(enc.encode('things/a/property/t', payload, false), first);
    assert.notEqual(enc.encode('things/a/property/t', payload, true), first);
    assert.equal(enc.encode('things/b/property/t', payload, false).subarray(4, 23).toString(), 'things/b/property/t');
    const other = Buffer.from('21.5');
    assert.deepEqual(enc.encode('things/a/property/t', other, false), first);
    assert.notEqual(enc.encode('things/a/property/t', other, false), first);
  });
});
