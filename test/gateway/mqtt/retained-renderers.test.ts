/**
 * The renderers' topics: which topics they claim and the thing id they read from them (an escaped
 * id, an id haId hashed, a discovery prefix of several levels), and what they render for a thing
 * that is there and for one that is not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ThingRecord } from '../../../gateway/hub/types.js';
import { discoveryMessages, haConfigPayload, type HaOptions } from '../../../gateway/mqtt/ha-discovery.js';
import { haDiscoveryRenderer, tdRenderer } from '../../../gateway/mqtt/retained-renderers.js';
import { tdTopic } from '../../../gateway/mqtt/topics.js';

const td = (id: string): Record<string, unknown> => ({
  id, title: 'Plug', properties: { on: { type: 'boolean', observable: true, forms: [{ href: 'x' }] } }, actions: {}, events: {},
});
const things = new Map<string, ThingRecord>();
for (const id of ['urn:roost:coap:s-1', 'urn:roost:x:a b/c#', 'urn:roost:x:odd_one']) things.set(id, { id, binding: 'coap', consumerTd: td(id) } as unknown as ThingRecord);
const hub = {
  getThing(id: string): ThingRecord {
    const t = things.get(id);
    if (!t) throw new Error(`no ${id}`);
    return t;
  },
};
const options = (prefix: string, idPrefix = ''): HaOptions => ({ prefix, topic: (t) => t, gatewayAvailabilityTopic: 'gateway/availability', gatewayDeviceId: 'gw', idPrefix });

describe('retained renderers', () => {
  it('the TD renderer claims things/{id}/td, escaped ids too, and renders the consumer TD', () => {
    const r = tdRenderer(hub);
    for (const id of things.keys()) {
      assert.equal(r.keyOf(tdTopic(id)), id);
      assert.deepEqual(r.render(id).topics(), [tdTopic(id)]);
      assert.deepEqual(JSON.parse(r.render(id).payload(tdTopic(id))!.toString()), td(id));
      assert.equal(r.render(id).payload(`${tdTopic(id)}x`), undefined);
    }
    assert.equal(r.root, 'things');
    for (const t of ['things/a/property/td', 'things/a/b/td', 'other/a/td', 'things/%zz/td', 'things/a%3Ab/td', 'things/a/tdx']) assert.equal(r.keyOf(t), undefined, t);
    assert.equal(r.render('urn:roost:coap:gone').payload(tdTopic('urn:roost:coap:gone')), undefined);
    assert.deepEqual(r.render('urn:roost:coap:gone').topics(), []);
  });

  it('the discovery renderer reads the thing id back from the node id where haId did not hash it', () => {
    for (const o of [options('homeassistant'), options('site/ha', 'gw1_')]) {
      const r = haDiscoveryRenderer(hub, o);
      const id = 'urn:roost:coap:s-1';
      const messages = discoveryMessages({ id, binding: 'coap', consumerTd: td(id) }, o);
      assert.ok(messages.length > 0);
      assert.equal(r.root, o.prefix.split('/')[0]);
      assert.deepEqual(r.render(id).topics(), messages.map((m) => m.topic));
      for (const m of messages) {
        assert.equal(r.keyOf(m.topic), id, m.topic);
        assert.ok(r.render(id).payload(m.topic)?.equals(haConfigPayload(m)));
      }
      const odd = discoveryMessages({ id: 'urn:roost:x:odd_one', binding: 'coap', consumerTd: td('urn:roost:x:odd_one') }, o);
      // Read back, a hashed node id names no thing here (another id): nothing renders its payload, so it is kept in full.
      for (const m of odd) {
        const key = r.keyOf(m.topic);
        assert.notEqual(key, 'urn:roost:x:odd_one');
        assert.equal(key === undefined ? undefined : r.render(key).payload(m.topic), undefined, m.topic);
      }
      assert.equal(r.keyOf(`${o.prefix}/switch/x/y/state`), undefined);
      assert.equal(r.keyOf(`${o.prefix}/switch/extra/${o.idPrefix}urn_roost_coap_s-1/y/config`), undefined);
      assert.equal(r.render('urn:roost:coap:gone').payload(messages[0]!.topic), undefined);
      assert.deepEqual(r.render('urn:roost:coap:gone').topics(), []);
    }
  });
});
