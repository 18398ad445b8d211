/**
 * What a property read answers (docs/api.md, "Properties"): the twin's value; for an always-on
 * device a live read when the twin has no value or the property is not observable (504 when the
 * device does not answer in http.readTimeoutMs); a typed 404 ROOST_ERR_NO_VALUE when there is no
 * value to give, never `200 null`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ThingDescription } from '../../../gateway/binding.js';
import { TestDeviceBinding, deviceTd } from '../../helpers/fake-device-binding.js';
import { injectRig, type InjectRig } from './inject-rig.js';

/** The test lamp plus `led` and `interval`, which the device never reports by itself (not observable). */
function lampTd(): ThingDescription {
  const td = deviceTd('Readable lamp');
  const props = td['properties'] as Record<string, unknown>;
  props['led'] = { type: 'boolean', forms: [{ href: 'test://led' }] };
  props['interval'] = { type: 'integer', minimum: 1, forms: [{ href: 'test://interval' }] };
  return td;
}

/** A device binding that can also read a property from the device (as CoAP, BLE, Zigbee do). */
class ReadableBinding extends TestDeviceBinding {
  readonly reads: string[] = [];
  answer: (name: string) => Promise<unknown> = (name) => Promise.resolve(name === 'led' ? true : 30);
  readProperty(_thingId: string, name: string): Promise<unknown> {
    this.reads.push(name);
    return this.answer(name);
  }
}

const LAMP = 'urn:roost:live:lamp';
const SENSOR = 'urn:roost:live:sensor';
const PLAIN = 'urn:roost:plain:lamp';
const path = (id: string, name: string) => `/things/${encodeURIComponent(id)}/properties/${name}`;

describe('property reads', () => {
  let rig: InjectRig;
  const live = new ReadableBinding('live', [{ deviceId: 'lamp', sleepy: false, td: lampTd() }, { deviceId: 'sensor', sleepy: true, td: lampTd() }]);
  const plain = new TestDeviceBinding('plain', [{ deviceId: 'lamp', sleepy: false, td: lampTd() }]);

  before(async () => {
    rig = await injectRig([live, plain], { http: { readTimeoutMs: 400 } });
  });
  after(async () => rig.close());

  it('a sleepy device\'s property with no value is a typed 404, not 200 null; the device is not asked', async () => {
    const r = await rig.request({ url: path(SENSOR, 'interval') });
    assert.equal(r.statusCode, 404);
    assert.match(r.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal((r.json() as { code: string }).code, 'ROOST_ERR_NO_VALUE');
    assert.deepEqual(live.reads, []);
    // Once the device reported it, the twin answers.
    live.ctx?.reportProperties(SENSOR, { interval: 60 });
    const v = await rig.request({ url: path(SENSOR, 'interval') });
    assert.equal(v.statusCode, 200);
    assert.equal(v.json(), 60);
    assert.ok(v.headers['last-modified']);
  });

  it('an always-on device is read live when the twin has no value, and the answer is kept', async () => {
    const r = await rig.request({ url: path(LAMP, 'led') });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body, 'true');
    assert.deepEqual(live.reads, ['led']);
    assert.deepEqual(rig.hub.readProperty(LAMP, 'led')?.value, true);
    assert.equal(rig.hub.readProperty(LAMP, 'led')?.source, 'live');
    assert.equal(rig.hub.history({ thingId: LAMP, name: 'led' }).length, 1);
  });

  it('an observable property with a value comes from the twin; a non-observable one is asked again', async () => {
    live.reads.length = 0;
    live.ctx?.reportProperties(LAMP, { temperature: 20.5 });
    assert.equal((await rig.request({ url: path(LAMP, 'temperature') })).json(), 20.5);
    live.answer = () => Promise.resolve(false);
    assert.equal((await rig.request({ url: path(LAMP, 'led') })).json(), false);
    assert.deepEqual(live.reads, ['led']);
  });

  it('concurrent reads share one device request', async () => {
    live.reads.length = 0;
    let release: (v: unknown) => void = () => undefined;
    live.answer = () => new Promise((resolve) => { release = resolve; });
    const all = Promise.all([1, 2, 3].map(() => rig.request({ url: path(LAMP, 'interval') })));
    // Released once the device was asked and the other two requests had time to join its read
    // (well inside readTimeoutMs, even on a loaded machine).
    for (let i = 0; i < 200 && live.reads.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, 20));
    release(45);
    assert.deepEqual((await all).map((r) => r.json()), [45, 45, 45]);
    assert.deepEqual(live.reads, ['interval']);
  });

  it('a device that does not answer in http.readTimeoutMs is a 504 ROOST_ERR_DEVICE_TIMEOUT', async () => {
    live.answer = () => new Promise(() => undefined);
    const before = rig.hub.valueCounters().liveReadTimeouts;
    const t0 = Date.now();
    const r = await rig.request({ url: path(LAMP, 'led') });
    assert.equal(r.statusCode, 504);
    assert.equal((r.json() as { code: string }).code, 'ROOST_ERR_DEVICE_TIMEOUT');
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(rig.hub.valueCounters().liveReadTimeouts, before + 1);
  });

  it('a live answer that breaks the schema is not served', async () => {
    live.answer = () => Promise.resolve({ done: 'interval' });
    const r = await rig.request({ url: path(LAMP, 'interval') });
    assert.equal(r.statusCode, 404);
    assert.equal((r.json() as { code: string }).code, 'ROOST_ERR_NO_VALUE');
  });

  it('an always-on device whose binding cannot read live: 404 with no value, the twin with one', async () => {
    const r = await rig.request({ url: path(PLAIN, 'led') });
    assert.equal(r.statusCode, 404);
    assert.equal((r.json() as { code: string }).code, 'ROOST_ERR_NO_VALUE');
    assert.deepEqual((await rig.request({ url: `/things/${encodeURIComponent(PLAIN)}/properties` })).json(), {});
  });

  it('the consumer TD names problem+json as the read form\'s error response', async () => {
    const td = (await rig.request({ url: `/things/${encodeURIComponent(SENSOR)}` })).json() as { properties: Record<string, { forms: Array<Record<string, unknown>> }> };
    const read = td.properties['interval']?.forms.find((f) => (f['op'] as string[]).includes('readproperty'));
    assert.deepEqual(read?.['additionalResponses'], [{ success: false, contentType: 'application/problem+json' }]);
  });
});
