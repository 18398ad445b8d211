/**
 * The queue of a stored session (Clean Session 0): a real aedes broker with its persistence
 * wrapped by SessionQueueLimit, clients on a loopback port. A session that subscribed at QoS 1 and
 * went away is kept at most maxQueued messages, the rest counted; they reach it when it comes back,
 * and its PUBACKs give the room back. Without the limit aedes queued every message, for ever.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Aedes } from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { SessionQueueLimit, type OutgoingQueue } from '../../../gateway/mqtt/session-queue.js';

const MAX = 10;
let broker: Aedes;
let server: Server;
let limit: SessionQueueLimit;
let droppedFor: string[];
let url: string;

function publish(topic: string, payload: string): Promise<void> {
  return new Promise((resolve, reject) => broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (e) => (e ? reject(e) : resolve())));
}

const connect = (opts: IClientOptions): Promise<MqttClient> => mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });

/** Messages the client gets until none came for quietMs. */
function drain(client: MqttClient, quietMs = 300): Promise<string[]> {
  const got: string[] = [];
  return new Promise((resolve) => {
    let timer = setTimeout(() => resolve(got), quietMs);
    client.on('message', (_t, p) => {
      got.push(p.toString());
      clearTimeout(timer);
      timer = setTimeout(() => resolve(got), quietMs);
    });
  });
}

describe('SessionQueueLimit', () => {
  beforeEach(async () => {
    broker = await Aedes.createBroker();
    droppedFor = [];
    limit = new SessionQueueLimit(MAX, (id) => droppedFor.push(id));
    limit.wrap((broker as unknown as { persistence: OutgoingQueue }).persistence);
    server = createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterEach(async () => {
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('keeps at most maxQueued messages for an offline session and counts the rest', async () => {
    const first = await connect({ clientId: 'stored-1', clean: false });
    await first.subscribeAsync('a/#', { qos: 1 });
    await first.endAsync();
    for (let i = 0; i < 25; i++) await publish('a/x', `m${i}`);
    assert.equal(limit.queuedFor('stored-1'), MAX);
    assert.equal(limit.dropped, 15);
    assert.deepEqual(droppedFor, Array.from({ length: 15 }, () => 'stored-1'));

    const back = await connect({ clientId: 'stored-1', clean: false });
    try {
      // The oldest are kept: what the session missed from the moment it left, up to the limit.
      assert.deepEqual(await drain(back), Array.from({ length: MAX }, (_, i) => `m${i}`));
      assert.equal(limit.queuedFor('stored-1'), 0, 'PUBACKs free the queue');
      const more = drain(back);
      await publish('a/x', 'live');
      assert.deepEqual(await more, ['live']);
      assert.equal(limit.queuedFor('stored-1'), 0, 'an online session is counted until its PUBACK');
    } finally {
      await back.endAsync();
    }
  });

  it('counts each session on its own, and leaves clean sessions alone', async () => {
    const a = await connect({ clientId: 'stored-a', clean: false });
    await a.subscribeAsync('a/#', { qos: 1 });
    await a.endAsync();
    const b = await connect({ clientId: 'stored-b', clean: false });
    await b.subscribeAsync('a/#', { qos: 1 });
    await b.endAsync();
    const live = await connect({ clientId: 'clean', clean: true });
    await live.subscribeAsync('a/#', { qos: 1 });
    const got = drain(live);
    try {
      for (let i = 0; i < 12; i++) await publish('a/x', `m${i}`);
      assert.equal((await got).length, 12, 'a clean session gets every message');
      assert.equal(limit.queuedFor('stored-a'), MAX);
      assert.equal(limit.queuedFor('stored-b'), MAX);
      assert.equal(limit.queuedFor('clean'), 0);
      assert.equal(limit.dropped, 4);
    } finally {
      await live.endAsync();
    }
  });

  it('a clean reconnect with a stored id empties its queue', async () => {
    const s = await connect({ clientId: 'stored-c', clean: false });
    await s.subscribeAsync('a/#', { qos: 1 });
    await s.endAsync();
    for (let i = 0; i < 5; i++) await publish('a/x', `m${i}`);
    assert.equal(limit.queuedFor('stored-c'), 5);
    const c = await connect({ clientId: 'stored-c', clean: true });
    await drain(c);
    await c.endAsync();
    assert.equal(limit.queuedFor('stored-c'), 0);
  });
});
