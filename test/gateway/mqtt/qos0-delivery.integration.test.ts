/**
 * QoS 0 delivery through the gateway's broker (gateway/mqtt/qos0-delivery.ts) to a subscriber that
 * stops reading: nothing is dropped, the messages arrive in order once it reads again, and a
 * publisher that sends its last messages and disconnects at once gets every one delivered.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import mqttPacket from 'mqtt-packet';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

const TOPIC = 'bench/slow';
const COUNT = 3000;
/** 3000 x 1 KiB: well past the 1 MiB a slow subscriber may have waiting before its publisher is held. */
const PAYLOAD = 1024;

describe('QoS 0 delivery to a slow subscriber', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.stop();
  });

  it('keeps every message for a subscriber that stops reading, in order, and the publisher\'s last ones', async () => {
    const url = new URL(gw.mqttUrl!);
    // A raw subscriber, so that the test decides when its socket is read.
    const sock = tcpConnect(Number(url.port), url.hostname);
    await once(sock, 'connect');
    const parser = mqttPacket.parser();
    const got: number[] = [];
    let acked: () => void = () => undefined;
    const subscribed = new Promise<void>((resolve) => { acked = resolve; });
    parser.on('packet', (p) => {
      if (p.cmd === 'suback') acked();
      if (p.cmd === 'publish') got.push((p.payload as Buffer).readUInt32BE(0));
    });
    sock.on('data', (c: Buffer) => parser.parse(c));
    sock.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'slow-sub', keepalive: 60, username: 'admin', password: Buffer.from(TEST_ADMIN_PASSWORD) }));
    sock.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: TOPIC, qos: 0 }] }));
    await subscribed;
    sock.pause();

    // A raw publisher too: every PUBLISH, DISCONNECT and FIN at once, as mosquitto_pub -l does at the
    // end of its input; its socket closes while most of its packets still wait for the broker.
    const pub = tcpConnect(Number(url.port), url.hostname);
    await once(pub, 'connect');
    const pubParser = mqttPacket.parser();
    const connacked = new Promise((r) => pubParser.once('packet', r));
    pub.on('data', (c: Buffer) => pubParser.parse(c));
    pub.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'fast-pub', keepalive: 60, username: 'admin', password: Buffer.from(TEST_ADMIN_PASSWORD) }));
    await connacked;
    const packets: Buffer[] = [];
    for (let i = 0; i < COUNT; i++) {
      const payload = Buffer.alloc(PAYLOAD);
      payload.writeUInt32BE(i, 0);
      packets.push(mqttPacket.generate({ cmd: 'publish', topic: TOPIC, payload, qos: 0, retain: false, dup: false }));
    }
    packets.push(mqttPacket.generate({ cmd: 'disconnect' }));
    // The broker closes at DISCONNECT; a reset may reach this side first.
    pub.on('error', () => undefined);
    const closed = new Promise((r) => pub.once('close', r));
    pub.end(Buffer.concat(packets));
    await closed;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, 0, 'the paused subscriber read nothing yet');

    sock.resume();
    const deadline = Date.now() + 10000;
    while (got.length < COUNT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    sock.destroy();
    assert.equal(got.length, COUNT);
    assert.deepEqual(got, Array.from({ length: COUNT }, (_, i) => i));
  });
});
