import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { EventBus } from '../../../gateway/hub/event-bus.js';
import type { ThingRecord } from '../../../gateway/hub/types.js';
import type { HaOptions } from '../../../gateway/mqtt/ha-discovery.js';
import { HaDiscoveryPublisher } from '../../../gateway/mqtt/ha-discovery-publisher.js';
import { ThingNotFoundError } from '../../../protocols/errors.js';

const logger = pino({ level: 'silent' });

const sensorTd = (props: string[]): Record<string, unknown> => ({
  title: 'T',
  properties: Object.fromEntries(props.map((p) => [p, { type: 'number', unit: 'Cel', readOnly: true }])),
  actions: { blink: {} },
});

function rig(options: Partial<HaOptions> = {}) {
  const bus = new EventBus({ defaultBuffer: 1000, logger });
  const things = new Map<string, ThingRecord>();
  const put = (id: string, props: string[]): void => {
    things.set(id, { id, binding: 'coap', consumerTd: sensorTd(props) } as unknown as ThingRecord);
  };
  const hub = {
    subscribe: bus.subscribe.bind(bus),
    listThings: ({ offset = 0, limit = 100 } = {}) => ({ items: [...things.values()].slice(offset, offset + limit), total: things.size }),
    getThing: (id: string) => {
      const t = things.get(id);
      if (!t) throw new ThingNotFoundError();
      return t;
    },
  };
  const sent: Array<[string, string]> = [];
  const p = new HaDiscoveryPublisher({
    hub, logger, maxBuffer: 100,
    options: { prefix: 'homeassistant', topic: (t) => t, gatewayAvailabilityTopic: 'gateway/availability', gatewayDeviceId: 'gw', idPrefix: '', ...options },
    publish: async (topic, payload) => { sent.push([topic, payload.toString()]); },
  });
  return { bus, things, put, p, sent };
}

const cleared = (sent: Array<[string, string]>): string[] => sent.filter(([, b]) => b === '').map(([t]) => t).sort();

describe('Home Assistant discovery publisher', () => {
  it('empties the config of an affordance gone from a TD, and every config of a removed thing', async () => {
    const { bus, things, put, p, sent } = rig();
    put('urn:roost:coap:a', ['temp', 'humidity']);
    put('urn:roost:coap:b', ['temp', 'humidity']);
    p.start();
    await p.idle();
    const node = (id: string): string => `homeassistant/%s/${id.replaceAll(':', '_')}/%s/config`;
    const topic = (id: string, component: string, object: string): string => node(id).replace('%s', component).replace('%s', object);
    assert.deepEqual(sent.map(([t]) => t).sort(), [
      topic('urn:roost:coap:a', 'button', 'action_blink'), topic('urn:roost:coap:a', 'sensor', 'property_humidity'), topic('urn:roost:coap:a', 'sensor', 'property_temp'),
      topic('urn:roost:coap:b', 'button', 'action_blink'), topic('urn:roost:coap:b', 'sensor', 'property_humidity'), topic('urn:roost:coap:b', 'sensor', 'property_temp'),
    ].sort());
    sent.length = 0;
    put('urn:roost:coap:a', ['temp']);
    bus.publish({ type: 'thing', thingId: 'urn:roost:coap:a', change: 'updated' });
    await new Promise((r) => setTimeout(r, 10));
    await p.idle();
    assert.deepEqual(cleared(sent), [topic('urn:roost:coap:a', 'sensor', 'property_humidity')]);
    sent.length = 0;
    things.delete('urn:roost:coap:b');
    bus.publish({ type: 'thing', thingId: 'urn:roost:coap:b', change: 'removed' });
    await new Promise((r) => setTimeout(r, 10));
    await p.idle();
    assert.deepEqual(cleared(sent), [topic('urn:roost:coap:b', 'button', 'action_blink'), topic('urn:roost:coap:b', 'sensor', 'property_humidity'), topic('urn:roost:coap:b', 'sensor', 'property_temp')]);
    assert.equal(sent.length, 3, 'nothing but the clearing');
    // And a thing removed twice (the second 'removed' finds nothing to clear).
    sent.length = 0;
    bus.publish({ type: 'thing', thingId: 'urn:roost:coap:b', change: 'removed' });
    await new Promise((r) => setTimeout(r, 10));
    await p.idle();
    assert.equal(sent.length, 0);
    await p.stop();
  });

  it('clears the topics it published under an upstream id prefix, for an id Home Assistant needs hashed', async () => {
    const { bus, things, put, p, sent } = rig({ idPrefix: 'gw1_' });
    const id = 'urn:roost:coap:odd_id/1';
    put(id, ['temp']);
    p.start();
    await p.idle();
    const published = sent.map(([t]) => t).sort();
    assert.equal(published.length, 2);
    assert.ok(published.every((t) => t.startsWith('homeassistant/') && t.includes('/gw1_urn_roost_coap_odd_id_1-')), published.join());
    sent.length = 0;
    things.delete(id);
    bus.publish({ type: 'thing', thingId: id, change: 'removed' });
    await new Promise((r) => setTimeout(r, 10));
    await p.idle();
    assert.deepEqual(cleared(sent), published);
    await p.stop();
  });
});
