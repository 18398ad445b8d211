/**
 * The state renderers' topics: a property value from the twin (as the hub serves it) and a
 * thing's availability, the topics they claim, and nothing for a thing that is gone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TwinValue } from '../../../gateway/hub/types.js';
import { availabilityTopic } from '../../../gateway/mqtt/availability-publisher.js';
import { jsonPayload } from '../../../gateway/mqtt/publisher.js';
import { availabilityRenderer, valueRenderer } from '../../../gateway/mqtt/state-renderers.js';
import { propertySetTopic, propertyTopic, tdTopic } from '../../../gateway/mqtt/topics.js';
import { ThingNotFoundError } from '../../../protocols/errors.js';

const A = 'urn:roost:coap:s-1';
const ODD = 'urn:roost:x:a b/c#';
const twin = new Map<string, Record<string, TwinValue>>([
  [A, { temp: { value: 21.5, ts: 1, source: 'device' }, 'odd name/1': { value: { on: true }, ts: 1, source: 'device' } }],
  [ODD, {}],
]);
const online = new Map([[A, true], [ODD, false]]);
const need = <T>(v: T | undefined): T => {
  if (v === undefined) throw new ThingNotFoundError();
  return v;
};
const hub = {
  readProperty: (id: string, name: string) => need(twin.get(id))[name],
  readAllProperties: (id: string) => need(twin.get(id)),
  getThing: (id: string) => ({ online: need(online.get(id)) }) as never,
};

describe('state renderers', () => {
  it('the value renderer claims things/{id}/property/{name} and renders the hub\'s value as the publisher sends it', () => {
    const r = valueRenderer(hub);
    assert.equal(r.root, 'things');
    for (const name of ['temp', 'odd name/1']) {
      const topic = propertyTopic(A, name);
      assert.equal(r.keyOf(topic), A, topic);
      assert.ok(r.render(A).payload(topic)?.equals(jsonPayload(twin.get(A)![name]!.value)), topic);
    }
    assert.deepEqual(r.render(A).topics(), [propertyTopic(A, 'temp'), propertyTopic(A, 'odd name/1')]);
    assert.equal(r.render(A).payload(propertyTopic(A, 'battery')), undefined, 'no value');
    assert.equal(r.render(A).payload(propertyTopic(ODD, 'temp')), undefined, 'another thing\'s topic');
    assert.deepEqual(r.render(ODD).topics(), []);
    assert.deepEqual(r.render('urn:roost:coap:gone').topics(), []);
    assert.equal(r.render('urn:roost:coap:gone').payload(propertyTopic('urn:roost:coap:gone', 'temp')), undefined);
    for (const t of [tdTopic(A), propertySetTopic(A, 'temp'), availabilityTopic(A), 'things/a/property', 'things/%zz/property/x', 'things/a%3Ab/property/x', 'other/a/property/x']) {
      assert.equal(r.keyOf(t), undefined, t);
    }
  });

  it('the availability renderer claims things/{id}/availability and renders online or offline', () => {
    const r = availabilityRenderer(hub);
    assert.equal(r.keyOf(availabilityTopic(A)), A);
    assert.equal(r.keyOf(availabilityTopic(ODD)), ODD);
    assert.equal(r.render(A).payload(availabilityTopic(A))?.toString(), 'online');
    assert.equal(r.render(ODD).payload(availabilityTopic(ODD))?.toString(), 'offline');
    assert.deepEqual(r.render(A).topics(), [availabilityTopic(A)]);
    assert.equal(r.render(A).payload(availabilityTopic(ODD)), undefined);
    assert.deepEqual(r.render('urn:roost:coap:gone').topics(), []);
    for (const t of [tdTopic(A), propertyTopic(A, 'availability'), 'things/a/b/availability', 'things/%zz/availability', 'things/a%3Ab/availability']) assert.equal(r.keyOf(t), undefined, t);
  });
});
