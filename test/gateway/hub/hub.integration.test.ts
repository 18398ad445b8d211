import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../../../gateway/hub/hub.js';
import type { BusMessage } from '../../../gateway/hub/types.js';
import {
  AffordanceNotFoundError, MethodNotAllowedError, ThingNotFoundError, TdInvalidError, ValueInvalidError,
} from '../../../protocols/errors.js';
import { TestDeviceBinding, deviceTd } from '../../helpers/fake-device-binding.js';
import { startTestGateway } from '../../helpers/gateway.js';

describe('hub', () => {
  it('registers native TDs and publishes consumer TDs that point at the hub', async () => {
    const dev = new TestDeviceBinding();
    const gw = await startTestGateway({}, { extraBindings: [dev] });
    const t = gw.hub.getThing(dev.thingId('lamp1'));
    assert.equal(t.binding, 'testdev');
    assert.equal(t.online, true);
    assert.equal(t.nativeTd['id'], 'urn:roost:testdev:lamp1');
    const forms = JSON.stringify(t.consumerTd);
    assert.ok(!forms.includes('test://'), 'no device address leaks into the consumer TD');
    const { items, total } = gw.hub.listThings();
    assert.deepEqual(items.map((i) => i.id), ['urn:roost:system:gateway', 'urn:roost:testdev:lamp1']);
    assert.equal(total, 2);
    assert.deepEqual(gw.hub.listThings({ offset: 1, limit: 1 }).items.map((i) => i.id), ['urn:roost:testdev:lamp1']);
    await gw.stop();
  });

  it('routes telemetry into the twin, history and bus', async () => {
    const dev = new TestDeviceBinding();
    const gw = await startTestGateway({}, { extraBindings: [dev] });
    const id = dev.thingId('lamp1');
    const before = gw.hub.counters();
    const seen: BusMessage[] = [];
    gw.hub.subscribe((m) => void seen.push(m), { thingId: id });
    dev.ctx?.reportProperties(id, { temperature: 21.5 }, 1000);
    dev.ctx?.reportProperties(id, { temperature: 20 }, 500);
    dev.ctx?.emitEvent(id, 'button', 'pressed', 1001);
    assert.deepEqual(gw.hub.readProperty(id, 'temperature'), { value: 21.5, ts: 1000, source: 'testdev' }, 'an older reading does not replace a newer one');
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(seen.map((m) => m.type), ['property', 'event']);
    const h = gw.hub.history({ thingId: id });
    assert.deepEqual(h.map((r) => [r.name, r.kind, r.value]), [['temperature', 'property', 20], ['temperature', 'property', 21.5], ['button', 'event', 'pressed']]);
    assert.equal(gw.hub.counters().propertiesIn - before.propertiesIn, 2);
    assert.equal(gw.hub.counters().eventsIn - before.eventsIn, 1);
    await gw.stop();
  });

  it('stores a value or event stamped beyond now + maxClockSkewMs at its arrival time, counted: one far-future reading froze the property (found by fuzzing)', async () => {
    const dev = new TestDeviceBinding();
    let now = 1_800_000_000_000;
    const gw = await startTestGateway({}, { extraBindings: [dev], now: () => now });
    const id = dev.thingId('lamp1');
    const before = gw.hub.counters().deviceTimesClamped;
    dev.ctx?.reportProperties(id, { temperature: 1 }, now + DEFAULT_MAX_CLOCK_SKEW_MS); // at the bound: the device's time
    assert.equal(gw.hub.readProperty(id, 'temperature')?.ts, now + DEFAULT_MAX_CLOCK_SKEW_MS);
    now += DEFAULT_MAX_CLOCK_SKEW_MS + 1;
    dev.ctx?.reportProperties(id, { temperature: 2 }, 4_102_444_800_000); // a clock that says 2100
    assert.deepEqual(gw.hub.readProperty(id, 'temperature'), { value: 2, ts: now, source: 'testdev' });
    dev.ctx?.reportProperties(id, { temperature: 3 }, Infinity);
    dev.ctx?.reportProperties(id, { temperature: 4 }, Number.NaN);
    assert.deepEqual(gw.hub.readProperty(id, 'temperature'), { value: 4, ts: now, source: 'testdev' });
    now += 1000;
    dev.ctx?.reportProperties(id, { temperature: 5 }, now - 10);
    assert.deepEqual(gw.hub.readProperty(id, 'temperature'), { value: 5, ts: now - 10, source: 'testdev' }, 'later real readings still update the twin');
    dev.ctx?.emitEvent(id, 'button', 'pressed', 1e300);
    assert.equal(gw.hub.history({ thingId: id }).find((r) => r.kind === 'event')?.ts, now);
    assert.equal(gw.hub.counters().deviceTimesClamped - before, 4);
    // A twin value stamped in the future before times were bounded (loaded from the store) blocks nothing.
    gw.hub.twin.set(id, 'temperature', { value: 6, ts: 4_102_444_800_000, source: 'testdev' });
    dev.ctx?.reportProperties(id, { temperature: 7 }, now);
    assert.equal(gw.hub.readProperty(id, 'temperature')?.value, 7);
    await gw.stop();
  });

  it('store.maxClockSkewMs from the config sets the bound', async () => {
    const dev = new TestDeviceBinding();
    const now = 1_800_000_000_000;
    const gw = await startTestGateway({ store: { maxClockSkewMs: 1000 } }, { extraBindings: [dev], now: () => now });
    try {
      const id = dev.thingId('lamp1');
      dev.ctx?.reportProperties(id, { temperature: 1 }, now + 1000);
      dev.ctx?.reportProperties(id, { temperature: 2 }, now + 1001);
      assert.deepEqual(gw.hub.history({ thingId: id }).map((r) => [r.value, r.ts]), [[2, now], [1, now + 1000]]);
      assert.equal(gw.hub.counters().deviceTimesClamped, 1);
    } finally {
      await gw.stop();
    }
  });

  it('a device value without a JSON form (a BigInt) reaches neither history nor the twin, and is counted: reads of the thing go on', async () => {
    const td = deviceTd();
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 'box', sleepy: false, td: { ...td, properties: { ...(td['properties'] as object), blob: { type: 'object', observable: true, forms: [{ href: 'test://blob' }] } } } }]);
    const gw = await startTestGateway({}, { extraBindings: [dev] });
    const id = dev.thingId('box');
    dev.ctx?.reportProperties(id, { blob: { n: 1 } }, 1000);
    const dropped = gw.hub.valueCounters().deviceValuesDropped;
    dev.ctx?.reportProperties(id, { blob: { n: 2n ** 64n } }, 2000);
    assert.deepEqual(gw.hub.readProperty(id, 'blob'), { value: { n: 1 }, ts: 1000, source: 'testdev' });
    assert.equal(gw.hub.valueCounters().deviceValuesDropped - dropped, 1);
    assert.deepEqual(gw.hub.history({ thingId: id }).map((r) => r.value), [{ n: 1 }]);
    assert.doesNotThrow(() => JSON.stringify(gw.hub.readAllProperties(id)));
    // The same for an event: it threw into the binding that emitted it (a TypeError from JSON.stringify).
    const events = gw.hub.counters().eventsIn;
    assert.doesNotThrow(() => dev.ctx?.emitEvent(id, 'button', { n: 2n ** 64n }, 3000));
    assert.equal(gw.hub.valueCounters().deviceValuesDropped - dropped, 2);
    assert.equal(gw.hub.counters().eventsIn, events);
    assert.deepEqual(gw.hub.history({ thingId: id }).filter((r) => r.kind === 'event'), []);
    await gw.stop();
  });

  it('validates writes and invocations against the TD, with typed errors', async () => {
    const dev = new TestDeviceBinding();
    const gw = await startTestGateway({}, { extraBindings: [dev] });
    const id = dev.thingId('lamp1');
    assert.throws(() => gw.hub.writeProperty(id, 'brightness', 101), ValueInvalidError);
    assert.throws(() => gw.hub.writeProperty(id, 'brightness', 'high'), ValueInvalidError);
    assert.throws(() => gw.hub.writeProperty(id, 'temperature', 3), MethodNotAllowedError);
    assert.throws(() => gw.hub.writeProperty(id, 'nope', 3), AffordanceNotFoundError);
    assert.throws(() => gw.hub.invokeAction(id, 'blink', { times: 0 }), ValueInvalidError);
    assert.throws(() => gw.hub.invokeAction(id, 'blink', undefined), ValueInvalidError);
    assert.throws(() => gw.hub.invokeAction(id, 'reset', { x: 1 }), ValueInvalidError);
    assert.throws(() => gw.hub.invokeAction('urn:roost:testdev:ghost', 'reset', null), ThingNotFoundError);
    assert.equal(dev.delivered.length, 0);
    await gw.stop();
  });

  it('delivers to an awake device and records a completed write in the twin', async () => {
    const dev = new TestDeviceBinding();
    const gw = await startTestGateway({}, { extraBindings: [dev] });
    const id = dev.thingId('lamp1');
    const a = gw.hub.invokeAction(id, 'blink', { times: 2 });
    const done = await gw.hub.waitForAction(a.id, 2000);
    assert.equal(done.state, 'completed');
    assert.deepEqual(done.output, { done: 'blink' });
    const w = gw.hub.writeProperty(id, 'brightness', 40);
    assert.equal((await gw.hub.waitForAction(w.id, 2000)).state, 'completed');
    assert.equal(gw.hub.readProperty(id, 'brightness')?.value, 40);
    assert.equal(gw.hub.readProperty(id, 'brightness')?.source, 'write');
    assert.deepEqual(gw.hub.listActions(id).map((x) => x.id), [w.id, a.id]);
    await gw.stop();
  });

  it('holds items for a sleepy device until the binding reports it awake', async () => {
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 's1', sleepy: true }]);
    const gw = await startTestGateway({}, { extraBindings: [dev] });
    const id = dev.thingId('s1');
    const a = gw.hub.invokeAction(id, 'reset', null);
    assert.equal((await gw.hub.waitForAction(a.id, 50)).state, 'queued');
    assert.equal(dev.delivered.length, 0);
    dev.ctx?.awake(id);
    assert.equal(dev.delivered.length, 1, 'handed over synchronously inside awake()');
    assert.equal((await gw.hub.waitForAction(a.id, 1000)).state, 'completed');
    await gw.stop();
  });

  it('rejects an invalid native TD from a binding and keeps the gateway running', async () => {
    const bad = deviceTd();
    delete (bad as Record<string, unknown>)['securityDefinitions'];
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 'b', sleepy: false, td: bad }]);
    const gw = await startTestGateway({}, { extraBindings: [dev] });
    assert.equal(gw.hub.bindingStatuses()['testdev']?.state, 'error');
    assert.match(gw.hub.bindingStatuses()['testdev']?.detail ?? '', /securityDefinitions/);
    assert.equal(gw.hub.bindingStatuses()['system']?.state, 'running');
    assert.throws(() => dev.ctx?.registerThing({ deviceId: 'x', nativeTd: bad, sleepy: false }) ?? (() => { throw new TdInvalidError(); })(), TdInvalidError);
    await gw.stop();
  });

  it('serves the directory API operations for client TDs', async () => {
    const gw = await startTestGateway();
    const td = { ...deviceTd('Outside lamp') } as Record<string, unknown>;
    const put = gw.hub.putThing('urn:example:lamp', td as never);
    assert.equal(put.created, true);
    assert.equal(gw.hub.putThing('urn:example:lamp', td as never).created, false);
    const patched = gw.hub.patchThing('urn:example:lamp', { description: 'by the door', events: null });
    assert.equal(patched.consumerTd['description'], 'by the door');
    assert.equal(patched.consumerTd['events'], undefined);
    assert.throws(() => gw.hub.invokeAction('urn:example:lamp', 'reset', null), MethodNotAllowedError);
    assert.throws(() => gw.hub.putThing('urn:roost:system:gateway', td as never), MethodNotAllowedError);
    const created = gw.hub.createThing(deviceTd('anon'));
    assert.match(created.id, /^urn:uuid:/);
    gw.hub.deleteThing('urn:example:lamp');
    assert.throws(() => gw.hub.getThing('urn:example:lamp'), ThingNotFoundError);
    await gw.stop();
  });

  it('keeps things, twin and queue across a restart, with sleepy devices asleep', async () => {
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 's1', sleepy: true }]);
    const first = await startTestGateway({}, { extraBindings: [dev], dataDir: (await import('../../helpers/gateway.js')).tempDir() });
    const id = dev.thingId('s1');
    dev.respond = () => new Promise(() => undefined);
    dev.ctx?.reportProperties(id, { temperature: 19 });
    dev.ctx?.awake(id);
    const a = first.hub.invokeAction(id, 'reset', null);
    assert.equal(first.hub.getAction(a.id).state, 'sent');
    const dir = first.dataDir;
    await first.stop();
    const dev2 = new TestDeviceBinding('testdev', [{ deviceId: 's1', sleepy: true }]);
    dev2.respond = () => ({ state: 'completed' });
    const second = await startTestGateway({}, { extraBindings: [dev2], dataDir: dir });
    assert.equal(second.hub.readProperty(id, 'temperature')?.value, 19);
    assert.equal(second.hub.getAction(a.id).state, 'queued');
    assert.equal(dev2.delivered.length, 0, 'asleep after restart');
    dev2.ctx?.awake(id);
    assert.equal((await second.hub.waitForAction(a.id, 1000)).state, 'completed');
    await second.stop();
  });
});

describe('a removed thing', () => {
  it('comes back without its old values, also after a restart; its history is kept', async () => {
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 's1', sleepy: true }]);
    const first = await startTestGateway({}, { extraBindings: [dev], dataDir: (await import('../../helpers/gateway.js')).tempDir() });
    const id = dev.thingId('s1');
    dev.ctx?.reportProperties(id, { temperature: 19 });
    dev.ctx?.removeThing(id);
    dev.ctx?.registerThing({ deviceId: 's1', nativeTd: deviceTd(), sleepy: true });
    assert.equal(first.hub.readProperty(id, 'temperature'), undefined);
    assert.deepEqual(first.hub.readAllProperties(id), {});
    const dir = first.dataDir;
    await first.stop();
    const second = await startTestGateway({}, { extraBindings: [new TestDeviceBinding('testdev', [{ deviceId: 's1', sleepy: true }])], dataDir: dir });
    assert.equal(second.hub.readProperty(id, 'temperature'), undefined);
    assert.deepEqual(second.hub.history({ thingId: id }).map((h) => h.value), [19]);
    await second.stop();
  });
});

describe('hub retention', () => {
  it('drops old history and long-finished queue items, keeps what is pending', async () => {
    const clock = { t: Date.UTC(2026, 0, 1) };
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 's1', sleepy: true }]);
    const gw = await startTestGateway({ store: { historyMaxAgeDays: 1 }, queue: { keepFinishedDays: 1 } }, { extraBindings: [dev], now: () => clock.t });
    const id = dev.thingId('s1');
    dev.ctx?.reportProperties(id, { temperature: 1 }, clock.t);
    const done = gw.hub.invokeAction(id, 'reset', null);
    gw.hub.cancelAction(done.id);
    const pending = gw.hub.invokeAction(id, 'reset', null, { ttlMs: 5 * 86400000 });
    clock.t += 2 * 86400000;
    dev.ctx?.reportProperties(id, { temperature: 2 }, clock.t);
    const r = gw.hub.runRetention();
    assert.equal(r.finishedActions, 1);
    assert.deepEqual(gw.hub.history({ thingId: id }).map((h) => h.value), [2]);
    assert.throws(() => gw.hub.getAction(done.id));
    assert.equal(gw.hub.getAction(pending.id).state, 'queued');
    await gw.stop();
  });
});
