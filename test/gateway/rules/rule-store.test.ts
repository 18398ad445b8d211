/**
 * The rules table keeps what a rule did across a restart (a closed and reopened database file):
 * its last firing and why, its last error, the counters, and whether its last run failed; and its
 * trigger's state.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { RuleStore } from '../../../gateway/rules/rule-store.js';
import type { Rule } from '../../../gateway/rules/rule-types.js';
import { openDatabase } from '../../../gateway/store/database.js';
import { tempDir } from '../../helpers/gateway.js';

const RULE: Rule = {
  id: 'r1', name: 'Cold', enabled: true, trigger: { type: 'threshold', property: 'temp', below: 5 }, conditions: [], actions: [{ type: 'event' }],
  maxFiresPerMinute: 2, createdBy: 'op', role: 'operator', createdAt: 1000, updatedAt: 1000,
};

describe('RuleStore', () => {
  it('status survives closing and reopening the database; failing follows the last run', () => {
    const dir = tempDir();
    try {
      let db = openDatabase({ dataDir: dir, synchronous: 'normal' });
      let store = new RuleStore(db);
      store.insert(RULE);
      store.recordFiring('r1', 2000, { kind: 'below', thingId: 'urn:a', name: 'temp', value: 4, reason: 'temp of urn:a fell below 5: 4' });
      store.recordError('r1', 2001, 'webhook: webhook answered 500 (4 attempts)');
      store.recordSuppressed('r1');
      db.close();

      db = openDatabase({ dataDir: dir, synchronous: 'normal' });
      store = new RuleStore(db);
      const v = store.get('r1');
      assert.ok(v);
      const { status, ...rule } = v;
      assert.deepEqual(rule, RULE);
      assert.deepEqual(status, {
        lastFiredAt: 2000, lastFiring: { kind: 'below', thingId: 'urn:a', name: 'temp', value: 4, reason: 'temp of urn:a fell below 5: 4' },
        lastError: 'webhook: webhook answered 500 (4 attempts)', lastErrorAt: 2001, fires: 1, errors: 1, suppressed: 1, failing: true,
      });
      // A later firing whose run succeeds: the error stays on record, the rule is no longer failing.
      store.recordFiring('r1', 3000, { kind: 'below', value: 3, reason: 'again' });
      assert.deepEqual([store.get('r1')?.status.failing, store.get('r1')?.status.lastError], [false, 'webhook: webhook answered 500 (4 attempts)']);
      store.update({ ...RULE, name: 'Colder', enabled: false, updatedAt: 4000, role: 'admin' });
      const u = store.get('r1');
      assert.deepEqual([u?.name, u?.enabled, u?.role, u?.createdBy, u?.createdAt, u?.status.fires], ['Colder', false, 'admin', 'op', 1000, 2]);
      assert.equal(store.count(), 1);
      assert.equal(store.remove('r1'), true);
      assert.equal(store.remove('r1'), false);
      assert.deepEqual(store.list(), []);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a trigger state across reopening; clears it on request and with the rule; unreadable means none', () => {
    const dir = tempDir();
    try {
      let db = openDatabase({ dataDir: dir, synchronous: 'normal' });
      let store = new RuleStore(db);
      store.insert(RULE);
      assert.equal(store.triggerState('r1'), undefined);
      store.saveTriggerState('r1', { disarmed: ['urn:a'] });
      store.saveTriggerState('r1', { disarmed: ['urn:a', 'urn:b'] });
      db.close();

      db = openDatabase({ dataDir: dir, synchronous: 'normal' });
      store = new RuleStore(db);
      assert.deepEqual(store.triggerState('r1'), { disarmed: ['urn:a', 'urn:b'] });
      store.saveTriggerState('r1', undefined);
      assert.equal(store.triggerState('r1'), undefined);
      store.saveTriggerState('r1', { down: { 'urn:a': 5 } });
      store.remove('r1');
      assert.equal(store.triggerState('r1'), undefined, 'deleted with its rule');
      db.prepare("INSERT INTO meta (key, value) VALUES ('rule_trigger:r2', '{not json')").run();
      assert.equal(store.triggerState('r2'), undefined);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
