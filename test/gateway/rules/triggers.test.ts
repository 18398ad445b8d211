/**
 * Each trigger type fed bus messages and clock ticks directly: a threshold fires once on the way
 * over and not again until the value came back past the hysteresis band (both directions), the
 * battery trigger re-arms 5 points up by default, a trigger without a thing keeps state per thing,
 * events fire per event (never on the gateway's own ruleFired), schedules fire on the injected clock
 * and never catch up; a threshold's disarmed gates survive a restart through saved().
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BusMessage } from '../../../gateway/hub/types.js';
import { HysteresisGate } from '../../../gateway/rules/hysteresis.js';
import type { Firing, Trigger } from '../../../gateway/rules/rule-types.js';
import { describeSchedule, nextDue } from '../../../gateway/rules/schedule.js';
import { makeTrigger, type TriggerDeps } from '../../../gateway/rules/triggers.js';

const SYS = 'urn:roost:system:gateway';
const deps: TriggerDeps = { systemThingId: SYS, thing: () => ({ sleepy: false, online: true }), intervalOf: () => 0 };
const prop = (thingId: string, name: string, value: unknown): BusMessage => ({ type: 'property', thingId, name, value, ts: 0, source: 'device' });

/** Feeds values of one property and answers, per value, whether it fired. */
function feed(t: Trigger, thingId: string, name: string, values: readonly unknown[]): boolean[] {
  const s = makeTrigger(t, deps, 0);
  return values.map((v) => s.onMessage(prop(thingId, name, v), 0).length === 1);
}

describe('HysteresisGate', () => {
  it('above: fires on the way up, stays quiet above and inside the band, re-arms at level - band', () => {
    const g = new HysteresisGate('above', 30, 2);
    const fired = [25, 31, 35, 29, 28.5, 31, 28, 30, 30.5].map((v) => g.update(v));
    assert.deepEqual(fired, [false, true, false, false, false, false, false, false, true]);
  });

  it('below: mirrors it, re-arming at level + band', () => {
    const g = new HysteresisGate('below', 10, 1);
    const fired = [12, 9, 5, 10.5, 9, 11, 10.9, 9.9].map((v) => g.update(v));
    assert.deepEqual(fired, [false, true, false, false, false, false, false, true]);
  });

  it('a first value already past the level fires; NaN and Infinity change nothing', () => {
    const g = new HysteresisGate('above', 0, 0);
    assert.equal(g.update(Number.NaN), false);
    assert.equal(g.update(1), true);
    assert.equal(g.update(Number.POSITIVE_INFINITY), false);
    assert.equal(g.isArmed, false);
  });
});

describe('threshold and battery triggers', () => {
  it('a threshold on one thing ignores other things, other properties and non-numbers', () => {
    const s = makeTrigger({ type: 'threshold', thingId: 'urn:a', property: 'temp', above: 30, hysteresis: 1 }, deps, 0);
    const out = [prop('urn:b', 'temp', 40), prop('urn:a', 'humidity', 40), prop('urn:a', 'temp', '40'), prop('urn:a', 'temp', 31)].flatMap((m) => s.onMessage(m, 0));
    assert.equal(out.length, 1);
    const f = out[0] as Firing;
    assert.deepEqual([f.kind, f.thingId, f.name, f.value], ['above', 'urn:a', 'temp', 31]);
    assert.equal(f.reason, 'temp of urn:a rose above 30: 31');
  });

  it('without a thing, each thing has its own gate', () => {
    const s = makeTrigger({ type: 'threshold', property: 'temp', below: 0 }, deps, 0);
    const fired = [prop('urn:a', 'temp', -1), prop('urn:b', 'temp', -2), prop('urn:a', 'temp', -3), prop('urn:b', 'temp', 5), prop('urn:b', 'temp', -1)]
      .map((m) => s.onMessage(m, 0).map((f) => f.thingId).join());
    assert.deepEqual(fired, ['urn:a', 'urn:b', '', '', 'urn:b']);
  });

  it('a removed thing forgets its gate', () => {
    const s = makeTrigger({ type: 'threshold', property: 'temp', above: 1 }, deps, 0);
    assert.equal(s.onMessage(prop('urn:a', 'temp', 2), 0).length, 1);
    s.onMessage({ type: 'thing', thingId: 'urn:a', change: 'removed' }, 0);
    assert.equal(s.onMessage(prop('urn:a', 'temp', 2), 0).length, 1);
  });

  it('its disarmed gates are saved when they change and restored after a restart: no second firing', () => {
    const t = { type: 'threshold' as const, property: 'temp', above: 30, hysteresis: 2 };
    const s = makeTrigger(t, deps, 0);
    assert.equal(s.onMessage(prop('urn:a', 'temp', 25), 0).length, 0);
    assert.equal(s.takeChanged(), false);
    assert.equal(s.onMessage(prop('urn:a', 'temp', 31), 0).length, 1);
    assert.equal(s.onMessage(prop('urn:b', 'temp', 35), 0).length, 1);
    assert.equal(s.takeChanged(), true);
    assert.equal(s.takeChanged(), false);
    const saved = JSON.parse(JSON.stringify(s.saved())) as { disarmed: string[] };
    assert.deepEqual(saved.disarmed.sort(), ['urn:a', 'urn:b']);

    const again = makeTrigger(t, deps, 0, saved);
    assert.equal(again.onMessage(prop('urn:a', 'temp', 32), 0).length, 0, 'still above after the restart: quiet');
    assert.equal(again.onMessage(prop('urn:a', 'temp', 27), 0).length, 0);
    assert.equal(again.takeChanged(), true, 're-armed: saved again');
    assert.equal(again.onMessage(prop('urn:a', 'temp', 31), 0).length, 1);
    assert.equal(again.onMessage(prop('urn:c', 'temp', 31), 0).length, 1, 'a thing not in the saved state starts armed');
    // A rule naming one thing takes back only that thing's gate.
    const one = makeTrigger({ ...t, thingId: 'urn:b' }, deps, 0, saved);
    assert.deepEqual(one.saved(), { disarmed: ['urn:b'] });
  });

  it('battery: `battery` below the level, re-armed 5 points above unless told otherwise', () => {
    assert.deepEqual(feed({ type: 'battery', below: 20 }, 'urn:s', 'battery', [50, 19, 18, 22, 24, 19, 25, 19]), [false, true, false, false, false, false, false, true]);
    assert.deepEqual(feed({ type: 'battery', below: 20, hysteresis: 0, property: 'soc' }, 'urn:s', 'soc', [19, 20, 19]), [true, false, true]);
  });
});

describe('event trigger', () => {
  it('fires for every matching event with its data, never for the gateway\'s ruleFired', () => {
    const s = makeTrigger({ type: 'event', event: 'button' }, deps, 0);
    const ev = (thingId: string, name: string, data: unknown): BusMessage => ({ type: 'event', thingId, name, data, ts: 0 });
    const out = [ev('urn:a', 'button', 'pressed'), ev('urn:a', 'motion', true), ev('urn:b', 'button', 'double'), ev(SYS, 'button', 'x')].flatMap((m) => s.onMessage(m, 0));
    assert.deepEqual(out.map((f) => [f.thingId, f.value]), [['urn:a', 'pressed'], ['urn:b', 'double']]);
    const loop = makeTrigger({ type: 'event', event: 'ruleFired' }, deps, 0);
    assert.deepEqual(loop.onMessage(ev(SYS, 'ruleFired', {}), 0), []);
    assert.deepEqual([s.saved(), s.takeChanged()], [undefined, false]);
  });
});

describe('schedule trigger', () => {
  it('every N ms from the start, on the injected clock; a late tick fires once and does not catch up', () => {
    const s = makeTrigger({ type: 'schedule', everyMs: 60_000 }, deps, 1_000_000);
    assert.deepEqual(s.onTick(1_059_999), []);
    assert.equal(s.onTick(1_060_000).length, 1);
    assert.deepEqual(s.onTick(1_060_500), []);
    // Five periods late: one firing, the next one in the next period.
    assert.equal(s.onTick(1_360_100).length, 1);
    assert.deepEqual(s.onTick(1_400_000), []);
    assert.equal(s.onTick(1_420_000).length, 1);
  });

  it('daily at HH:MM UTC', () => {
    const start = Date.UTC(2026, 0, 5, 8, 0);
    const s = makeTrigger({ type: 'schedule', dailyAt: '07:30' }, deps, start);
    assert.deepEqual(s.onTick(Date.UTC(2026, 0, 5, 23, 59)), []);
    const f = s.onTick(Date.UTC(2026, 0, 6, 7, 30, 0, 400));
    assert.deepEqual(f.map((x) => [x.kind, x.value, x.reason]), [['schedule', '2026-01-06T07:30:00.000Z', 'daily at 07:30 UTC']]);
    assert.equal(nextDue({ dailyAt: '07:30' }, Date.UTC(2026, 0, 6, 7, 30)), Date.UTC(2026, 0, 7, 7, 30));
    assert.equal(nextDue({ dailyAt: '23:00' }, Date.UTC(2026, 0, 6, 7, 30)), Date.UTC(2026, 0, 6, 23, 0));
    assert.equal(describeSchedule({ everyMs: 90_000 }), 'every 90 s');
  });
});
