/**
 * MQTT 3.1.1 §1.5.3: a PUBLISH topic or a SUBSCRIBE/UNSUBSCRIBE filter that is ill-formed UTF-8,
 * holds an encoded UTF-16 surrogate or U+0000 closes the connection. Byte-exact packets, checked
 * by the pure guard at every split, and end to end against the gateway's broker.
 */
import assert from 'node:assert/strict';
import { connect as tcp, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PacketLimit, type GuardVerdict } from '../../../gateway/mqtt/packet-limit.js';
import { packetStringsValid, wellFormedMqttString } from '../../../gateway/mqtt/packet-strings.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
const packet = (first: number, body: Buffer) => Buffer.concat([Buffer.from([first, body.length]), body]);
/** PUBLISH QoS 0 with this topic (bytes) and a 2-byte payload. */
const publish = (topic: Buffer) => packet(0x30, Buffer.concat([str(topic), hex('0102')]));
/** SUBSCRIBE (packet id 1) with these filters at QoS 0. */
const subscribe = (...filters: Buffer[]) => packet(0x82, Buffer.concat([hex('0001'), ...filters.map((f) => Buffer.concat([str(f), hex('00')]))]));
const unsubscribe = (...filters: Buffer[]) => packet(0xa2, Buffer.concat([hex('0002'), ...filters.map(str)]));

const GOOD = Buffer.from('things/urn:roost:x/évent/☃');
const BAD: Record<string, Buffer> = {
  'ill-formed (C3 28)': hex('612f c328'),
  'overlong "/" (C0 AF)': hex('61 c0af 62'),
  'truncated sequence': hex('61 e282'),
  'encoded lone surrogate U+D800 (ED A0 80)': hex('61 eda080'),
  'U+0000': hex('61 00 62'),
};

function feed(limit: PacketLimit, chunks: Buffer[]): GuardVerdict {
  for (const c of chunks) {
    const v = limit.push(c);
    if (!v.ok) return v;
  }
  return { ok: true };
}

describe('MQTT UTF-8 strings (§1.5.3)', () => {
  it('accepts well-formed strings, a byte order mark included, and refuses the rest', () => {
    assert.equal(wellFormedMqttString(GOOD), true);
    assert.equal(wellFormedMqttString(hex('efbbbf 61')), true, 'U+FEFF is a character, not stripped or refused (§1.5.3)');
    assert.equal(wellFormedMqttString(Buffer.alloc(0)), true);
    for (const [what, b] of Object.entries(BAD)) assert.equal(wellFormedMqttString(b), false, what);
  });

  it('finds every filter of a SUBSCRIBE and UNSUBSCRIBE', () => {
    const body = (p: Buffer) => p.subarray(2);
    assert.equal(packetStringsValid(8, body(subscribe(GOOD, Buffer.from('a/#')))), true);
    assert.equal(packetStringsValid(8, body(subscribe(GOOD, BAD['U+0000']!))), false);
    assert.equal(packetStringsValid(10, body(unsubscribe(Buffer.from('a/+'), BAD['ill-formed (C3 28)']!))), false);
    assert.equal(packetStringsValid(10, body(unsubscribe(Buffer.from('a/+')))), true);
  });

  it('refuses a bad topic or filter at every split of the stream, and passes good ones', () => {
    const ping = hex('c0 00');
    for (const [what, b] of Object.entries(BAD)) {
      for (const bad of [publish(b), subscribe(GOOD, b), unsubscribe(b)]) {
        const stream = Buffer.concat([ping, publish(GOOD), bad, ping]);
        for (let i = 0; i <= stream.length; i++) {
          assert.deepEqual(feed(new PacketLimit(1024), [stream.subarray(0, i), stream.subarray(i)]), { ok: false, reason: 'bad-string' }, `${what} split at ${i}`);
        }
      }
    }
    const good = Buffer.concat([publish(GOOD), subscribe(GOOD, Buffer.from('a/#')), unsubscribe(GOOD), publish(Buffer.alloc(0))]);
    assert.deepEqual(feed(new PacketLimit(1024), [...good].map((x) => Buffer.from([x]))), { ok: true });
  });
});

/** A raw MQTT 3.1.1 client: CONNECT with a username and password, then whatever the test writes. */
async function rawClient(url: string, password: string): Promise<{ socket: Socket; received: Buffer[]; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = tcp(Number(port), hostname);
  const received: Buffer[] = [];
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (d: Buffer) => received.push(d));
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const variable = Buffer.concat([str(Buffer.from('MQTT')), hex('04 c2 003c')]);
  const payload = Buffer.concat([str(Buffer.from('raw-utf8')), str(Buffer.from('admin')), str(Buffer.from(password))]);
  socket.write(packet(0x10, Buffer.concat([variable, payload])));
  const deadline = Date.now() + 5000;
  while (Buffer.concat(received).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(Buffer.concat(received).subarray(0, 4), hex('20 02 00 00'), 'CONNACK accepted');
  received.length = 0;
  return { socket, received, closed };
}

describe('the broker closes a connection that sends an ill-formed topic or filter', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => gw.stop());

  const within = (p: Promise<void>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

  for (const [name, bytes] of [
    ['PUBLISH with an encoded surrogate', publish(BAD['encoded lone surrogate U+D800 (ED A0 80)']!)],
    ['SUBSCRIBE with U+0000', subscribe(Buffer.from('ok/#'), BAD['U+0000']!)],
    ['UNSUBSCRIBE with ill-formed UTF-8', unsubscribe(BAD['ill-formed (C3 28)']!)],
  ] as const) {
    it(name, async () => {
      const c = await rawClient(gw.mqttUrl as string, TEST_ADMIN_PASSWORD);
      c.socket.write(bytes);
      assert.equal(await within(c.closed, 3000), true, 'connection closed');
      assert.deepEqual(c.received, [], 'no SUBACK, UNSUBACK or anything else');
    });
  }

  it('a well-formed filter is still answered', async () => {
    const c = await rawClient(gw.mqttUrl as string, TEST_ADMIN_PASSWORD);
    c.socket.write(subscribe(GOOD));
    const deadline = Date.now() + 3000;
    while (c.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(Buffer.concat(c.received), hex('90 03 0001 00'), 'SUBACK granted QoS 0');
    c.socket.destroy();
  });
});
