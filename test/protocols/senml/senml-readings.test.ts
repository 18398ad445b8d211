import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { affordanceName, groupReadings, resolveSenml, senmlReadings } from '../../../protocols/senml/index.js';

const KINDS = new Map<string, 'property' | 'writable' | 'action' | 'event'>([['temp', 'property'], ['interval', 'writable'], ['blink', 'action'], ['button', 'event']]);
const kindOf = (k: string) => (k === 'action' ? undefined : k === 'event' ? 'event' : 'property') as 'event' | 'property' | undefined;

describe('SenML readings to hub reports', () => {
  it('resolves names by full name or last segment, and keeps bytes JSON-safe', () => {
    assert.equal(affordanceName('temp', KINDS), 'temp');
    assert.equal(affordanceName('urn:dev:ow:10e2073a:temp', KINDS), 'temp');
    assert.equal(affordanceName('node7/temp', KINDS), 'temp');
    assert.equal(affordanceName('node7/hum', KINDS), undefined);
    assert.equal(affordanceName('xtemp', KINDS), undefined);
    const r = senmlReadings(resolveSenml([{ bn: 'node7/', bt: 1700000000, n: 'temp', v: 21.5 }, { n: 'raw', vd: new Uint8Array([1, 2, 255]) }], 0));
    assert.deepEqual(r, [{ name: 'node7/temp', value: 21.5, ts: 1700000000000 }, { name: 'node7/raw', value: 'AQL_', ts: 1700000000000 }]);
  });

  it('groups property values by time, keeps events apart and in order, counts what reaches no property or event', () => {
    const g = groupReadings([
      { name: 'temp', value: 20, ts: 1000 },
      { name: 'interval', value: 30, ts: 1000 },
      { name: 'button', value: 'short', ts: 1000 },
      { name: 'temp', value: 21, ts: 2000 },
      { name: 'blink', value: true, ts: 2000 },
      { name: 'nope', value: 1, ts: 2000 },
    ], KINDS, kindOf);
    assert.deepEqual(g.reports, [
      { kind: 'properties', values: { temp: 20, interval: 30 }, ts: 1000 },
      { kind: 'event', name: 'button', value: 'short', ts: 1000 },
      { kind: 'properties', values: { temp: 21 }, ts: 2000 },
    ]);
    assert.equal(g.unknown, 2, 'an action name and an unknown name are not readings');
    assert.deepEqual(g.accepted.map((a) => a.name), ['temp', 'interval', 'button', 'temp']);
  });
});
