import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { EventBus } from '../../../gateway/hub/event-bus.js';
import type { BusMessage } from '../../../gateway/hub/types.js';

const logger = pino({ level: 'silent' });
const ev = (i: number, thingId = 't1'): BusMessage => ({ type: 'event', thingId, name: 'e', data: i, ts: i });
const settle = () => new Promise((r) => setTimeout(r, 5));

describe('EventBus', () => {
  it('delivers to every matching subscriber, filtered by type and thing', async () => {
    const bus = new EventBus({ defaultBuffer: 100, logger });
    const all: BusMessage[] = [];
    const onlyT2: BusMessage[] = [];
    const onlyProps: BusMessage[] = [];
    bus.subscribe((m) => void all.push(m));
    bus.subscribe((m) => void onlyT2.push(m), { thingId: 't2' });
    bus.subscribe((m) => void onlyProps.push(m), { types: ['property'] });
    bus.publish(ev(1));
    bus.publish(ev(2, 't2'));
    bus.publish({ type: 'property', thingId: 't1', name: 'p', value: 1, ts: 1, source: 'x' });
    await settle();
    assert.equal(all.length, 3);
    assert.deepEqual(onlyT2.map((m) => m.type === 'event' && m.data), [2]);
    assert.equal(onlyProps.length, 1);
  });

  it('a slow subscriber drops its oldest messages (counted) and stalls neither publish nor others', async () => {
    const bus = new EventBus({ defaultBuffer: 10, logger });
    const fast: number[] = [];
    const slow: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    bus.subscribe((m) => void fast.push(m.type === 'event' ? (m.data as number) : -1), { maxBuffer: 1000 });
    const sub = bus.subscribe(async (m) => {
      slow.push(m.type === 'event' ? (m.data as number) : -1);
      await gate;
    });
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) bus.publish(ev(i));
    assert.ok(performance.now() - t0 < 50, 'publish does not wait for subscribers');
    await settle();
    assert.equal(fast.length, 100, 'the fast subscriber got everything');
    release();
    await settle();
    assert.equal(sub.dropped, 90, 'buffer of 10: 90 dropped');
    assert.deepEqual(slow, [90, 91, 92, 93, 94, 95, 96, 97, 98, 99], 'the newest are kept, in order');
    // While the slow handler holds a message, new ones queue behind it (bounded again).
    for (let i = 100; i < 200; i++) bus.publish(ev(i));
    await settle();
    assert.equal(sub.dropped, 180);
    assert.equal(bus.dropped, 180);
    sub.unsubscribe();
    assert.equal(bus.dropped, 180, 'drops of gone subscribers stay counted');
  });

  it('keeps going when a handler throws', async () => {
    const bus = new EventBus({ defaultBuffer: 10, logger });
    const got: number[] = [];
    bus.subscribe((m) => {
      if (m.type === 'event' && m.data === 1) throw new Error('boom');
      got.push(m.type === 'event' ? (m.data as number) : -1);
    });
    bus.publish(ev(1));
    bus.publish(ev(2));
    await settle();
    assert.deepEqual(got, [2]);
  });

  it('stops delivering after unsubscribe', async () => {
    const bus = new EventBus({ defaultBuffer: 10, logger });
    const got: BusMessage[] = [];
    const sub = bus.subscribe((m) => void got.push(m));
    bus.publish(ev(1));
    sub.unsubscribe();
    await settle();
    assert.equal(got.length, 0);
    assert.equal(bus.subscriberCount, 0);
  });
});
