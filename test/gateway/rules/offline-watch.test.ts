/**
 * The offline trigger on the injected clock: missed wakes of a sleepy thing at the interval the
 * hub learnt, silence or hub-offline for afterMs, or the hub's own offline mark; each outage fires
 * exactly one `offline` and one `online`, nothing while it lasts, nothing after backOnline: false.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BusMessage } from '../../../gateway/hub/types.js';
import { OfflineWatch } from '../../../gateway/rules/offline-watch.js';
import { makeTrigger } from '../../../gateway/rules/triggers.js';

const S = 'urn:roost:coap:s-1';

function world(sleepy = true) {
  const state = { online: true, interval: 10_000 };
  const deps = { systemThingId: 'urn:sys', thing: (id: string) => (id === S ? { sleepy, online: state.online } : undefined), intervalOf: () => state.interval };
  return { state, deps };
}

const wake = (thingId = S): BusMessage => ({ type: 'property', thingId, name: 'temp', value: 20, ts: 0, source: 'device' });
const online = (on: boolean): BusMessage => ({ type: 'online', thingId: S, online: on, ts: 0 });

describe('offline trigger', () => {
  it('missedWakes: fires once after N intervals of silence, once when the thing wakes again, and re-arms', () => {
    const { deps } = world();
    const t = makeTrigger({ type: 'offline', thingId: S, missedWakes: 3 }, deps, 0);
    const kinds: string[] = [];
    const run = (ms: number, m?: BusMessage) => kinds.push(...(m ? t.onMessage(m, ms) : t.onTick(ms)).map((f) => `${f.kind}@${ms}`));
    for (let ms = 0; ms <= 50_000; ms += 10_000) { run(ms, wake()); run(ms + 500); }
    run(80_000); // 30 s of silence since 50 s: not more than three intervals yet
    run(80_001);
    for (let ms = 81_000; ms < 200_000; ms += 1000) run(ms);
    run(200_000, wake());
    run(200_001, online(true));
    run(201_000);
    run(230_001); // 30 s after the last sign of life (the online mark at 200001)
    run(230_002);
    run(260_000);
    assert.deepEqual(kinds, ['offline@80001', 'online@200000', 'offline@230002']);
  });

  it('the reason says how many wakes were missed, and the back-online firing how long it was silent', () => {
    const { deps } = world();
    const w = new OfflineWatch({ missedWakes: 2 }, deps);
    w.watch(S, 0);
    const [off] = w.check(20_001);
    assert.match(off?.reason ?? '', /urn:roost:coap:s-1 missed 2 wakes \(one every 10 s; silent 20 s\)/);
    assert.deepEqual(off?.value, { lastSeen: 0, silentS: 20 });
    const [on] = w.activity(S, 95_000);
    assert.deepEqual([on?.kind, on?.value], ['online', { silentS: 95 }]);
  });

  it('a wake without values (the bus `awake` message) is a sign of life too', () => {
    const { deps } = world();
    const t = makeTrigger({ type: 'offline', thingId: S, missedWakes: 2 }, deps, 0);
    assert.deepEqual(t.onMessage({ type: 'awake', thingId: S, untilMs: 19_300, ts: 19_000 }, 19_000), []);
    assert.deepEqual(t.onTick(39_000), []);
    assert.equal(t.onTick(39_001).length, 1);
    assert.deepEqual(t.onMessage({ type: 'awake', thingId: S, untilMs: 50_300, ts: 50_000 }, 50_000).map((f) => f.kind), ['online']);
  });

  it('no interval learnt yet: missed wakes cannot be counted, nothing fires', () => {
    const { state, deps } = world();
    state.interval = 0;
    const t = makeTrigger({ type: 'offline', thingId: S, missedWakes: 1 }, deps, 0);
    assert.deepEqual(t.onTick(10_000_000), []);
  });

  it('without options: the hub\'s offline mark, once, and its online mark or any uplink ends it', () => {
    const { state, deps } = world(false);
    const t = makeTrigger({ type: 'offline', thingId: S }, deps, 0);
    assert.deepEqual(t.onTick(1000), []);
    state.online = false;
    t.onMessage(online(false), 1500);
    assert.deepEqual(t.onTick(2000).map((f) => f.kind), ['offline']);
    assert.deepEqual(t.onTick(3000), []);
    state.online = true;
    assert.deepEqual(t.onMessage(online(true), 4000).map((f) => f.kind), ['online']);
    assert.deepEqual(t.onMessage(wake(), 4001), []);
  });

  it('afterMs on an always-on thing: offline in the hub for that long; a short outage fires nothing', () => {
    const { state, deps } = world(false);
    const t = makeTrigger({ type: 'offline', thingId: S, afterMs: 60_000 }, deps, 0);
    state.online = false;
    t.onMessage(online(false), 1000);
    assert.deepEqual(t.onTick(30_000), []);
    state.online = true;
    assert.deepEqual(t.onMessage(online(true), 40_000), []);
    assert.deepEqual(t.onTick(500_000), [], 'an always-on thing that is online is never down for its silence');
    state.online = false;
    t.onMessage(online(false), 500_000);
    assert.deepEqual(t.onTick(559_999), []);
    assert.match(t.onTick(560_000)[0]?.reason ?? '', /has been offline for 60 s/);
  });

  it('backOnline: false reports only the outage', () => {
    const { deps } = world();
    const t = makeTrigger({ type: 'offline', thingId: S, afterMs: 5000, backOnline: false }, deps, 0);
    assert.match(t.onTick(5001)[0]?.reason ?? '', /has been silent for 5 s/);
    assert.deepEqual(t.onMessage(wake(), 6000), []);
    assert.equal(t.onTick(11_001).length, 1);
  });

  it('without a thing: every thing heard from is watched; a removed one is forgotten', () => {
    const { deps } = world();
    const t = makeTrigger({ type: 'offline', afterMs: 5000 }, deps, 0);
    t.onMessage(wake(), 0);
    t.onMessage(wake('urn:other'), 0);
    // urn:other is unknown to the hub (deps.thing answers undefined): never judged.
    assert.deepEqual(t.onTick(6000).map((f) => f.thingId), [S]);
    t.onMessage({ type: 'thing', thingId: S, change: 'removed' }, 7000);
    assert.deepEqual(t.onMessage(wake(), 8000), [], 'a forgotten thing starts afresh');
  });

  it('a thing reported down stays down across a restart: no second offline, and its return is reported', () => {
    const { deps, state } = world(false);
    const t = makeTrigger({ type: 'offline', thingId: S }, deps, 0);
    t.onMessage(wake(), 1000);
    state.online = false;
    assert.deepEqual(t.onTick(2000).map((f) => f.kind), ['offline']);
    assert.equal(t.takeChanged(), true);
    assert.equal(t.takeChanged(), false);
    const saved = JSON.parse(JSON.stringify(t.saved())) as { down: Record<string, number> };
    assert.deepEqual(saved, { down: { [S]: 1000 } });

    const again = makeTrigger({ type: 'offline', thingId: S }, deps, 50_000, saved);
    assert.deepEqual(again.onTick(51_000), [], 'already reported before the restart');
    state.online = true;
    const back = again.onMessage(online(true), 61_000);
    assert.deepEqual(back.map((f) => [f.kind, f.value]), [['online', { silentS: 60 }]]);
    assert.equal(again.takeChanged(), true);
    assert.deepEqual(again.saved(), { down: {} });
  });

  it('OfflineWatch.restoreDown ignores entries that are not times', () => {
    const { deps } = world();
    const w = new OfflineWatch({}, deps);
    w.restoreDown({ [S]: Number.NaN, 'urn:x': 5 });
    assert.deepEqual(w.down(), { 'urn:x': 5 });
  });
});
