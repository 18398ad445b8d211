import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { EventBus } from '../../../gateway/hub/event-bus.js';
import type { ThingRecord, TwinValue } from '../../../gateway/hub/types.js';
import { newCounters } from '../../../gateway/mqtt/mqtt-metrics.js';
import { Publisher } from '../../../gateway/mqtt/publisher.js';
import { ThingNotFoundError } from '../../../protocols/errors.js';

const logger = pino({ level: 'silent' });
const ID = 'urn:roost:t:a';

/** A hub facade over a real EventBus and an in-memory directory of one thing. */
function fakeHub() {
  const bus = new EventBus({ defaultBuffer: 1000, logger });
  const things = new Map<string, ThingRecord>([[ID, { id: ID, consumerTd: { title: 'A' } } as unknown as ThingRecord]]);
  const twin: Record<string, TwinValue> = { level: { value: 3, ts: 1, source: 'device' } };
  return {
    bus,
    things,
    hub: {
      subscribe: bus.subscribe.bind(bus),
      listThings: ({ offset = 0, limit = 100 } = {}) => ({ items: [...things.values()].slice(offset, offset + limit), total: things.size }),
      readAllProperties: (id: string) => (id === ID ? twin : {}),
      getThing: (id: string) => {
        const t = things.get(id);
        if (!t) throw new ThingNotFoundError();
        return t;
      },
    },
  };
}

type Sent = [string, string, boolean];

describe('MQTT publisher', () => {
  it('publishes the retained snapshot first, then bus messages, and clears a removed thing', async () => {
    const { bus, hub, things } = fakeHub();
    const sent: Sent[] = [];
    const p = new Publisher({ hub, counters: newCounters(), logger, maxBuffer: 100, maxInFlight: 4, publish: async (t, b, r) => { sent.push([t, b.toString(), r]); } });
    p.start();
    bus.publish({ type: 'event', thingId: ID, name: 'ring', data: { n: 1 }, ts: 2 });
    bus.publish({ type: 'property', thingId: ID, name: 'level', value: 4, ts: 3, source: 'device' });
    await p.whenReady();
    things.delete(ID);
    bus.publish({ type: 'thing', thingId: ID, change: 'removed' });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(sent, [
      [`things/${ID}/td`, '{"title":"A"}', true],
      [`things/${ID}/property/level`, '3', true],
      [`things/${ID}/event/ring`, '{"n":1}', false],
      [`things/${ID}/property/level`, '4', true],
      [`things/${ID}/td`, '', true],
      [`things/${ID}/property/level`, '', true],
    ]);
    p.stop();
  });

  it('never stalls the bus: a broker that does not answer fills the bounded buffer, the rest is dropped and counted', async () => {
    const { bus, hub } = fakeHub();
    const counters = newCounters();
    let calls = 0;
    const p = new Publisher({ hub, counters, logger, maxBuffer: 50, maxInFlight: 8, publish: () => { calls++; return new Promise<void>(() => undefined); } });
    p.start();
    for (let i = 0; i < 1000; i++) bus.publish({ type: 'event', thingId: ID, name: 'e', data: i, ts: i });
    await new Promise((r) => setTimeout(r, 20));
    // The snapshot's first publish never finishes, so nothing else goes out; the buffer keeps the newest 50.
    assert.equal(calls, 1);
    assert.equal(bus.published, 1000);
    assert.equal(p.busDropped, 950);
    p.stop();
  });

  it('keeps at most maxInFlight publishes pending', async () => {
    const { bus, hub } = fakeHub();
    const pending: Array<() => void> = [];
    const p = new Publisher({ hub, counters: newCounters(), logger, maxBuffer: 1000, maxInFlight: 8, publish: () => new Promise<void>((r) => pending.push(r)) });
    p.start();
    for (let i = 0; i < 100; i++) bus.publish({ type: 'event', thingId: ID, name: 'e', data: i, ts: i });
    // The snapshot's two publishes (TD, one property) go one by one.
    for (let i = 0; i < 2; i++) {
      while (pending.length < 1) await new Promise((r) => setImmediate(r));
      assert.equal(pending.length, 1);
      pending.shift()?.();
    }
    await p.whenReady();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(pending.length, 8);
    pending.shift()?.();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(pending.length, 8);
    assert.equal(p.busDropped, 0);
    p.stop();
  });
});
