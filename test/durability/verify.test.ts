/**
 * The harness's checks on made-up ledgers: each kind of broken promise is found, and what the
 * protocol allows (repeats answered from memory, a write superseded by a later one, an uncertain
 * request that did or did not queue its item) is not reported.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from './commander.js';
import type { Delivery } from './sleepy-device.js';
import { checkItems, checkReadings, type ItemTarget } from './verify.js';

const T = 'urn:roost:coap:d';

function cmd(issue: number, kind: 'a' | 'w', state: Command['state'] = 'acked'): Command {
  return { issue, kind, state, round: 0, ...(state === 'acked' ? { id: `id-${issue}` } : {}) };
}

function ran(issue: number, kind: 'a' | 'w' = 'a', id = `id-${issue}`): Delivery {
  return { id, issue, kind, name: kind === 'a' ? 'blink' : 'level', via: 'answer', more: 0, repeat: false, round: 0, at: 0 };
}

function target(commands: Command[], executed: Delivery[], states: Record<string, string>): ItemTarget {
  return { thingId: T, commands, executed, hubState: new Map(Object.entries(states)) };
}

describe('kill -9 harness checks', () => {
  it('a reading is lost when acknowledged but absent from history, with where it fell', () => {
    const lost = checkReadings([{ thingId: T, acked: [{ value: 1, round: 0, at: 100 }, { value: 2, round: 1, at: 2500 }], history: new Set([1]) }], { readyAt: [50, 2000], killedAt: [1000] });
    assert.deepEqual(lost, [{ thingId: T, value: 2, round: 1, msAfterReady: 500, msBeforeKill: null }]);
  });

  it('a clean ledger has no findings (repeats, superseded writes, uncertain requests either way)', () => {
    const commands = [cmd(1, 'a'), cmd(2, 'w'), cmd(3, 'w'), cmd(4, 'a', 'uncertain'), cmd(5, 'a', 'uncertain'), cmd(6, 'a', 'refused')];
    const executed = [ran(1), ran(3, 'w'), ran(4, 'a', 'other-4')];
    const f = checkItems([target(commands, executed, { 'id-1': 'completed', 'id-2': 'superseded', 'id-3': 'completed' })]);
    assert.deepEqual(f, { itemsLost: [], executedTwice: [], outOfOrder: [], itemsWrong: [] });
  });

  it('finds an acked item that never ran, and a superseded write with no later write run', () => {
    const f = checkItems([target([cmd(1, 'a'), cmd(2, 'w'), cmd(3, 'w')], [], { 'id-1': 'delivered', 'id-2': 'superseded', 'id-3': 'failed' })]);
    assert.deepEqual(f.itemsLost.map((x) => x.issue), [1, 2, 3]);
    assert.match(f.itemsLost[0]!.why, /hub says delivered/);
    assert.match(f.itemsLost[1]!.why, /superseded, but no later write/);
  });

  it('finds an item run twice, under one id or under two', () => {
    const f = checkItems([
      target([cmd(1, 'a'), cmd(2, 'a')], [ran(1), ran(2), ran(2)], { 'id-1': 'completed', 'id-2': 'completed' }),
      target([cmd(1, 'a', 'uncertain')], [ran(1, 'a', 'x'), ran(1, 'a', 'y')], {}),
    ]);
    assert.deepEqual(f.executedTwice.map((x) => x.why), ['ran 2 times', 'command ran 2 times under 2 item ids']);
  });

  it('finds items run out of queue order', () => {
    const f = checkItems([target([cmd(1, 'a'), cmd(2, 'a'), cmd(3, 'a')], [ran(2), ran(1), ran(3)], { 'id-1': 'completed', 'id-2': 'completed', 'id-3': 'completed' })]);
    assert.deepEqual(f.outOfOrder.map((x) => x.issue), [1]);
  });

  it('finds a refused or unknown item that ran, and a hub state that disagrees with the device', () => {
    const f = checkItems([target([cmd(1, 'a', 'refused'), cmd(2, 'a')], [ran(1), ran(2), ran(9)], { 'id-2': 'failed' })]);
    assert.deepEqual(f.itemsWrong.map((x) => x.issue), [1, 9, 2]);
  });
});
