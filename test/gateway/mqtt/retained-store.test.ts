/**
 * The broker's retained messages: a real aedes broker with its persistence wrapped, a renderer
 * over a table of states (`dev/{key}/state`, and `dev/{key}/info` for keys that have one). A
 * retained publish of exactly what the renderer makes claims its key: every topic the renderer
 * makes for the key is retained, rendered again for each new subscription as the state is then;
 * anything else is kept as it came, every byte and its QoS.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Aedes, type PublishPacket } from 'aedes';
import { RetainedStore, type RetainedPersistence, type RetainedRenderer } from '../../../gateway/mqtt/retained-store.js';

const state = new Map<string, string>();
const info = new Map<string, string>();
let renders = 0;
const renderer: RetainedRenderer = {
  root: 'dev',
  keyOf: (topic) => /^dev\/([^/]+)\/(state|info)$/.exec(topic)?.[1],
  render(key) {
    renders++;
    const v = state.get(key);
    if (v === undefined) return { topics: () => [], payload: () => undefined };
    const payloads = new Map([[`dev/${key}/state`, Buffer.from(v)]]);
    const i = info.get(key);
    if (i !== undefined) payloads.set(`dev/${key}/info`, Buffer.from(i));
    return { topics: () => [...payloads.keys()], payload: (topic) => payloads.get(topic) };
  },
};

let broker: Aedes;
let persistence: RetainedPersistence;
let retained: RetainedStore;

function publish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2 = 1): Promise<void> {
  return new Promise((resolve, reject) => broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: true, dup: false }, (e) => (e ? reject(e) : resolve())));
}

async function packets(...patterns: string[]): Promise<PublishPacket[]> {
  const out: PublishPacket[] = [];
  for await (const p of persistence.createRetainedStreamCombi(patterns) as AsyncIterable<PublishPacket>) out.push(p);
  return out;
}

async function kept(...patterns: string[]): Promise<Array<[string, string]>> {
  return (await packets(...patterns)).map((p) => [p.topic, (p.payload as Buffer).toString()]);
}

describe('rendered retained messages', () => {
  beforeEach(async () => {
    state.clear();
    info.clear();
    renders = 0;
    broker = await Aedes.createBroker();
    persistence = (broker as unknown as { persistence: RetainedPersistence }).persistence;
    retained = new RetainedStore([renderer]);
    retained.wrap(persistence);
  });
  afterEach(() => new Promise<void>((r) => broker.close(() => r())));

  it('keeps a payload the renderer makes as its topic, and renders the state of the moment', async () => {
    state.set('a', '{"t":1}');
    await publish('dev/a/state', '{"t":1}');
    assert.equal(retained.rendered, 1);
    assert.deepEqual(await kept('#'), [['dev/a/state', '{"t":1}']]);
    state.set('a', '{"t":2}');
    assert.deepEqual(await kept('dev/+/state'), [['dev/a/state', '{"t":2}']]);
    state.delete('a'); // gone, its clearing publish not yet there: left out
    assert.deepEqual(await kept('#'), []);
  });

  it('keeps in full what the renderer does not make: another payload, QoS 0, a topic it does not claim', async () => {
    state.set('a', '{"t":1}');
    state.set('b', '{"t":1}');
    await publish('dev/a/state', '{"t":9}');
    await publish('dev/b/state', '{"t":1}', 0);
    await publish('other/x', 'x');
    assert.equal(retained.rendered, 0);
    const got = await kept('#');
    assert.deepEqual(got.sort(), [['dev/a/state', '{"t":9}'], ['dev/b/state', '{"t":1}'], ['other/x', 'x']]);
  });

  it('gives back every byte and the QoS of what it keeps', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x80, 0x7f, 0xe2, 0x82]); // not UTF-8
    await publish('other/bin', bytes);
    await publish('other/q0', 'zero', 0);
    await publish('other/q2', 'two', 2);
    const got = new Map((await packets('#')).map((p) => [p.topic, p]));
    assert.ok((got.get('other/bin')!.payload as Buffer).equals(bytes));
    assert.deepEqual([got.get('other/bin')!.qos, got.get('other/q0')!.qos, got.get('other/q2')!.qos], [1, 0, 2]);
    assert.deepEqual([...got.values()].map((p) => p.retain), [true, true, true]);
    assert.equal(retained.size, 3);
    await publish('other/q2', '');
    assert.deepEqual([retained.size, (await kept('other/#')).length], [2, 2]);
  });

  it('a payload kept in full stands in for the render until the render is published again; an empty one clears', async () => {
    state.set('a', '1');
    await publish('dev/a/state', '1');
    await publish('dev/a/state', '2'); // not what the renderer makes: kept in full, in place of the render
    assert.deepEqual([retained.rendered, await kept('#'), await kept('dev/a/state')], [1, [['dev/a/state', '2']], [['dev/a/state', '2']]]);
    await publish('dev/a/state', '1'); // rendered again: the kept copy goes
    assert.deepEqual([retained.rendered, retained.size, await kept('#')], [1, 1, [['dev/a/state', '1']]]);
    await publish('dev/a/state', ''); // cleared while the thing still renders it: left out until published again
    assert.deepEqual([await kept('#'), await kept('dev/a/state')], [[], []]);
    await publish('dev/a/state', '1');
    assert.deepEqual(await kept('#'), [['dev/a/state', '1']]);
  });

  it('a claimed key retains every topic its renderer makes; its thing gone, its clearing publish ends the claim', async () => {
    state.set('a', 'on');
    info.set('a', 'v1');
    await publish('dev/a/state', 'on');
    assert.deepEqual((await kept('#')).sort(), [['dev/a/info', 'v1'], ['dev/a/state', 'on']]);
    assert.deepEqual(await kept('dev/a/info'), [['dev/a/info', 'v1']]);
    info.delete('a'); // its TD lost an affordance: that topic is no longer made
    assert.deepEqual(await kept('#'), [['dev/a/state', 'on']]);
    state.delete('a'); // removed: nothing renders, and the clearing publishes end the claim
    assert.deepEqual(await kept('#'), []);
    await publish('dev/a/state', '');
    await publish('dev/a/info', '');
    assert.deepEqual([retained.rendered, retained.size], [0, 0]);
    state.set('a', 'off'); // added again: retained from its first publish on
    assert.deepEqual(await kept('#'), []);
    await publish('dev/a/state', 'off');
    assert.deepEqual([retained.rendered, await kept('#')], [1, [['dev/a/state', 'off']]]);
  });

  it('a topic that several filters match comes once; filters that match nothing give nothing', async () => {
    state.set('a', '1');
    await publish('dev/a/state', '1');
    assert.deepEqual(await kept('dev/#', 'dev/a/state', '+/+/state'), [['dev/a/state', '1']]);
    assert.deepEqual(await kept('dev/b/state', 'dev/a', 'dev/a/state/x'), []);
    // Filters without wildcards are looked up.
    assert.deepEqual(await kept('dev/a/state', 'dev/b/state', 'dev/a/state'), [['dev/a/state', '1']]);
  });

  it('renders a key once for all its topics, and not for a filter outside its renderer\'s root', async () => {
    for (const k of ['a', 'b', 'c']) {
      state.set(k, k);
      info.set(k, k);
      await publish(`dev/${k}/state`, k);
    }
    await publish('other/x', 'x');
    renders = 0;
    assert.equal((await kept('#')).length, 7);
    assert.equal(renders, 3);
    renders = 0;
    assert.deepEqual(await kept('other/#', 'elsewhere/+'), [['other/x', 'x']]);
    assert.equal(renders, 0);
  });

  it('keeps a key as the intern function gives it, asked once when the key is first claimed', async () => {
    const asked: string[] = [];
    const store = new RetainedStore([renderer], (k) => {
      asked.push(k);
      return k;
    });
    state.set('a', '1');
    const stored = (topic: string, payload: string): void => store.store({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true, dup: false } as PublishPacket);
    stored('dev/a/state', '1');
    stored('dev/a/state', '1');
    info.set('a', 'i');
    stored('dev/a/info', 'i');
    assert.deepEqual([asked, store.rendered], [['a'], 1]);
    state.delete('a');
    stored('dev/a/state', '');
    state.set('a', '2');
    stored('dev/a/state', '2');
    assert.deepEqual([asked, store.rendered], [['a', 'a'], 1]);
  });

  it('a subscriber of the broker receives the rendered message', async () => {
    state.set('a', '{"t":1}');
    await publish('dev/a/state', '{"t":1}');
    state.set('a', '{"t":3}');
    const { createServer } = await import('node:net');
    const server = createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { default: mqtt } = await import('mqtt');
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${(server.address() as { port: number }).port}`, { reconnectPeriod: 0 });
    try {
      const got = new Promise<[string, string, boolean]>((resolve) => client.on('message', (t, p, packet) => resolve([t, p.toString(), packet.retain])));
      await client.subscribeAsync('dev/+/state', { qos: 1 });
      assert.deepEqual(await got, ['dev/a/state', '{"t":3}', true]);
    } finally {
      await client.endAsync();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
