import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { DeviceIntake } from '../../../gateway/hub/device-intake.js';
import { DeviceValueGuard } from '../../../gateway/hub/device-value-guard.js';
import { ValueValidator } from '../../../gateway/hub/value-validator.js';
import type { BusMessage, TwinValue } from '../../../gateway/hub/types.js';

const TD = { title: 't', properties: { temp: { type: 'number', forms: [{ href: 'x' }] } }, events: { alarm: { forms: [{ href: 'x' }] } } };

function rig(now = 10_000) {
  const calls: string[] = [];
  const bus: BusMessage[] = [];
  const twin = new Map<string, TwinValue>();
  const stats = { propertiesIn: 0, eventsIn: 0, deviceTimesClamped: 0 };
  const valueGuard = new DeviceValueGuard({ validator: new ValueValidator(), logger: pino({ level: 'silent' }) });
  const intake = new DeviceIntake({
    directory: { find: (id: string) => (id === 't1' ? { nativeTd: TD } : undefined) as never },
    valueGuard,
    historyStore: { append: (_t, name, kind, ts, value) => { calls.push(`history ${kind} ${name} ${ts} ${JSON.stringify(value)}`); } },
    twin: { set: (_t, name, v) => { calls.push(`twin ${name}`); twin.set(name, v); return true; } },
    bus: { publish: (m) => { calls.push(`bus ${m.type}`); bus.push(m); } },
    stats, now: () => now, maxClockSkewMs: 1000,
  });
  return { intake, calls, bus, twin, stats, valueGuard };
}

describe('DeviceIntake', () => {
  it('writes history, then the twin, then the bus; a value that does not fit the TD or an unknown thing goes nowhere', () => {
    const r = rig();
    assert.equal(r.intake.property('t1', 'temp', 21.5, 9000, 'coap'), true);
    assert.deepEqual(r.calls, ['history property temp 9000 21.5', 'twin temp', 'bus property']);
    assert.equal(r.intake.property('t1', 'temp', 'warm', 9000, 'coap'), false);
    assert.equal(r.intake.property('nope', 'temp', 1, 9000, 'coap'), false);
    assert.equal(r.calls.length, 3);
    assert.deepEqual([r.stats.propertiesIn, r.valueGuard.dropped], [1, 1]);
  });

  it('stores a time stamp beyond now + maxClockSkewMs (or not a number) at the arrival time, counted', () => {
    const r = rig(10_000);
    r.intake.property('t1', 'temp', 1, 11_000, 'coap');
    r.intake.property('t1', 'temp', 2, 11_001, 'coap');
    r.intake.event('t1', 'alarm', 'x', Number.NaN);
    assert.deepEqual(r.bus.map((m) => ('ts' in m ? m.ts : null)), [11_000, 10_000, 10_000]);
    assert.equal(r.stats.deviceTimesClamped, 2);
  });

  it('drops a value or event without a JSON form before the twin and the bus, counted, without throwing', () => {
    const r = rig();
    const throwing = { ...r, intake: new DeviceIntake({
      directory: { find: () => ({ nativeTd: { ...TD, properties: { blob: { type: 'object', forms: [{ href: 'x' }] } } } }) as never },
      valueGuard: r.valueGuard,
      historyStore: { append: (_t, _n, _k, _ts, value) => { JSON.stringify(value); } },
      twin: { set: () => { throw new Error('the twin must not be reached'); } },
      bus: { publish: () => { throw new Error('the bus must not be reached'); } },
      stats: r.stats, now: () => 1, maxClockSkewMs: 1000,
    }) };
    assert.equal(throwing.intake.property('t1', 'blob', { n: 2n }, 1, 'zigbee'), false);
    assert.equal(throwing.intake.event('t1', 'alarm', { n: 2n }, 1), false);
    assert.equal(r.valueGuard.dropped, 2);
    assert.deepEqual([r.stats.propertiesIn, r.stats.eventsIn], [1, 0]);
  });
});
