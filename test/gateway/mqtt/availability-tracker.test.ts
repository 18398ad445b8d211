/**
 * AvailabilityTracker on a virtual clock: a device that keeps a wake schedule is offline after the
 * missed wakes and online at its next one; a wake is the window its binding opened (an LwM2M
 * Queue Mode device's notifications inside its 93 s window are one wake); a device reached on
 * demand (irregular gaps) or with too few wakes is left to its binding's own presence signal.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { AvailabilityTracker } from '../../../gateway/mqtt/availability-tracker.js';
import type { BusMessage } from '../../../gateway/hub/types.js';

const ID = 'urn:roost:t:dev';

/** The part of the hub the tracker uses: one sleepy thing, messages handed over at once. */
class Hub {
  online = true;
  changes: boolean[] = [];
  handler: ((m: BusMessage) => void) | null = null;
  subscribe(h: (m: BusMessage) => void) {
    this.handler = h;
    return { dropped: 0, unsubscribe: () => { this.handler = null; } };
  }
  getThing(id: string) {
    if (id !== ID) throw new Error('no such thing');
    return { online: this.online, sleepy: true } as ReturnType<AvailabilityTracker['deps']['hub']['getThing']>;
  }
  setOnline(_id: string, online: boolean): void {
    if (online === this.online) return;
    this.online = online;
    this.changes.push(online);
    this.handler?.({ type: 'online', thingId: ID, online, ts: 0 });
  }
}

describe('AvailabilityTracker', () => {
  let now = 0;
  let hub: Hub;
  let tracker: AvailabilityTracker;
  const awake = (windowMs: number) => hub.handler?.({ type: 'awake', thingId: ID, untilMs: now + windowMs, ts: now });
  const value = () => hub.handler?.({ type: 'property', thingId: ID, name: 'temp', value: 1, ts: now, source: 'device' });

  beforeEach(() => {
    now = 0;
    hub = new Hub();
    tracker = new AvailabilityTracker({
      hub: hub as never, options: { missedWakes: 3, sleepyIntervalMs: 0, checkIntervalMs: 1000 },
      awakeWindowMs: 500, now: () => now, logger: pino({ level: 'silent' }),
    });
    tracker.start();
  });

  it('a device that keeps a 10 s schedule is offline after 3 missed wakes, online at its next wake', () => {
    for (let i = 0; i < 5; i++, now += 10_000) {
      awake(500);
      value();
    }
    now -= 10_000;
    assert.equal(tracker.intervalOf(ID), 10_000);
    tracker.check(now + 30_000);
    assert.deepEqual(hub.changes, [], 'three wakes late is not yet missing them all');
    tracker.check(now + 30_600);
    assert.deepEqual(hub.changes, [false]);
    now += 31_000;
    awake(500);
    assert.deepEqual(hub.changes, [false, true]);
    tracker.stop();
  });

  it('activity inside the awake window the binding opened is one wake (LwM2M Queue Mode, 93 s window)', () => {
    // Updates every 120 s; each opens a 93 s window in which notifications come 20 s apart.
    for (let u = 0; u < 5; u++) {
      const t0 = u * 120_000;
      now = t0;
      awake(93_000);
      for (const dt of [0, 20_000, 40_000, 60_000]) {
        now = t0 + dt;
        value();
      }
    }
    assert.equal(tracker.intervalOf(ID), 120_000, 'the Update rhythm, not the notification gaps');
    tracker.check(4 * 120_000 + 93_000 + 3 * 60_000);
    assert.deepEqual(hub.changes, [], 'not offline while within the Update schedule');
    tracker.stop();
  });

  it('judges by the last five gaps: a device that moved to a new rhythm is judged by it', () => {
    // Three gaps of 10 s, then six of 60 s: the 10 s gaps are no longer among the five kept.
    for (const t of [0, 10_000, 20_000, 30_000, 90_000, 150_000, 210_000, 270_000, 330_000, 390_000]) {
      now = t;
      awake(500);
    }
    assert.equal(tracker.intervalOf(ID), 60_000);
    tracker.check(390_500 + 3 * 60_000);
    assert.deepEqual(hub.changes, [], 'within three wakes of 60 s');
    tracker.stop();
  });

  it('forgets a removed thing: its wakes do not count when it comes back', () => {
    for (let i = 0; i < 5; i++, now += 10_000) awake(500);
    assert.equal(tracker.intervalOf(ID), 10_000);
    hub.handler?.({ type: 'thing', thingId: ID, change: 'removed', ts: now } as BusMessage);
    assert.equal(tracker.intervalOf(ID), 0, 'no schedule: the configured sleepyIntervalMs (0)');
    for (let i = 0; i < 4; i++, now += 20_000) awake(500);
    assert.equal(tracker.intervalOf(ID), 20_000);
    tracker.stop();
  });

  const unjudged: Array<[string, number[]]> = [
    ['a device reached on demand (irregular gaps)', [0, 60_000, 65_000, 400_000, 401_000, 900_000]],
    ['a device seen twice', [0, 60_000]],
  ];
  for (const [what, wakes] of unjudged) {
    it(`${what} is not judged by a schedule`, () => {
      for (const t of wakes) {
        now = t;
        awake(2_000);
      }
      assert.equal(tracker.intervalOf(ID), 0);
      tracker.check(10_000_000);
      assert.deepEqual(hub.changes, []);
      tracker.stop();
    });
  }
});
