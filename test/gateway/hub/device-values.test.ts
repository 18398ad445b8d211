/**
 * Values from devices meet the TD before they enter the twin or history (device-value-guard.ts),
 * and a write's acknowledgement is not a property report: after a write of interval=45 that the
 * device acknowledges with {"done":"interval"}, twin and history hold 45.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ThingDescription } from '../../../gateway/binding.js';
import { TestDeviceBinding, deviceTd } from '../../helpers/fake-device-binding.js';
import { injectRig, type InjectRig } from '../api/inject-rig.js';

function sensorTd(): ThingDescription {
  const td = deviceTd('Sensor');
  (td['properties'] as Record<string, unknown>)['interval'] = { type: 'integer', minimum: 1, forms: [{ href: 'test://interval' }] };
  return td;
}

const SENSOR = 'urn:roost:testdev:sensor';

describe('device values and the TD', () => {
  let rig: InjectRig;
  const dev = new TestDeviceBinding('testdev', [{ deviceId: 'sensor', sleepy: false, td: sensorTd() }]);
  // As the simulated firmware does: every item, writes included, completes with an output.
  dev.respond = (item) => ({ state: 'completed', output: { done: item.name } });

  before(async () => {
    rig = await injectRig([dev], { http: { syncWaitMs: 500 } });
  });
  after(async () => rig.close());

  const dropWarnings = () => rig.logs.filter((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('device value dropped'));

  it('a completed write records the written value, not the device\'s acknowledgement', async () => {
    const w = await rig.request({ method: 'PUT', url: `/things/${encodeURIComponent(SENSOR)}/properties/interval`, payload: '45', headers: { 'content-type': 'application/json' } });
    assert.equal(w.statusCode, 204);
    const twin = rig.hub.readProperty(SENSOR, 'interval');
    assert.deepEqual([twin?.value, twin?.source], [45, 'write']);
    assert.deepEqual(rig.hub.history({ thingId: SENSOR, name: 'interval' }).map((r) => r.value), [45]);
    // The device's answer is still there, in the status resource.
    const loc = w.headers['location'] as string;
    assert.deepEqual((await rig.request({ url: loc })).json().output, { done: 'interval' });
    assert.equal((await rig.request({ url: `/things/${encodeURIComponent(SENSOR)}/properties/interval` })).json(), 45);
  });

  it('a reported value that does not fit its schema is dropped, counted and logged once per thing and property', async () => {
    const before = rig.hub.valueCounters().deviceValuesDropped;
    dev.ctx?.reportProperties(SENSOR, { interval: 'soon', brightness: 50 });
    dev.ctx?.reportProperties(SENSOR, { interval: 2.5 });
    dev.ctx?.reportProperties(SENSOR, { brightness: 101 });
    assert.equal(rig.hub.valueCounters().deviceValuesDropped, before + 3);
    assert.equal(rig.hub.readProperty(SENSOR, 'interval')?.value, 45);
    assert.equal(rig.hub.readProperty(SENSOR, 'brightness')?.value, 50, 'the fitting value of the same report is kept');
    assert.deepEqual(rig.hub.history({ thingId: SENSOR, name: 'interval' }).map((r) => r.value), [45]);
    assert.deepEqual(rig.hub.history({ thingId: SENSOR, name: 'brightness' }).map((r) => r.value), [50]);
    const warned = dropWarnings().map((l) => `${String(l['thingId'])} ${String(l['property'])}`);
    assert.deepEqual(warned, [`${SENSOR} interval`, `${SENSOR} brightness`]);
    const metrics = (await rig.request({ url: '/metrics' })).body;
    assert.match(metrics, new RegExp(`^roost_device_values_dropped_total ${before + 3}$`, 'm'));
  });

  it('a property the TD does not have is dropped too', () => {
    const before = rig.hub.valueCounters().deviceValuesDropped;
    dev.ctx?.reportProperties(SENSOR, { humidity: 40 });
    assert.equal(rig.hub.valueCounters().deviceValuesDropped, before + 1);
    assert.deepEqual(rig.hub.history({ thingId: SENSOR, kind: 'property' }).filter((r) => r.name === 'humidity'), []);
  });

  it('a twin value that no longer fits the TD (stored before values were checked) is not served', async () => {
    rig.hub.twin.set(SENSOR, 'interval', { value: { done: 'interval' }, ts: Date.now() + 1000, source: 'write' });
    assert.equal(rig.hub.readProperty(SENSOR, 'interval'), undefined);
    assert.equal('interval' in rig.hub.readAllProperties(SENSOR), false);
    const r = await rig.request({ url: `/things/${encodeURIComponent(SENSOR)}/properties/interval` });
    assert.equal(r.statusCode, 404);
  });
});
