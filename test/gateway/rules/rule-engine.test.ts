/**
 * Rules running on a hub (no sockets): a threshold rule's actions all happen once per crossing (the
 * gateway thing's ruleFired event, an MQTT notification, an action and a property write through the
 * queue with rule:<id> as requester), its status says when and why; conditions on another thing's
 * twin gate it; the rate limit stops a storm; a failing rule is recorded and counted while the hub
 * goes on; a rule written by a role that may not act fails its thing actions; schedules run on ticks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_THING_ID } from '../../../gateway/rules/index.js';
import type { RuleView } from '../../../gateway/rules/rule-types.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { waitFor as until } from '../agents/agent-rig.js';
import { rulesRig, type RulesRig } from './rules-rig.js';

const dev = new TestDeviceBinding('testdev', [{ deviceId: 'sensor', sleepy: false }, { deviceId: 'lamp', sleepy: false }]);
const SENSOR = dev.thingId('sensor');
const LAMP = dev.thingId('lamp');
const ADMIN = { username: 'admin', role: 'admin' as const };

describe('rule engine', () => {
  let rig: RulesRig;
  const rule = (id: string): RuleView => rig.rules.service.get(id);
  /** Reports values one by one, each after the rules saw the last (the bus drains on a later tick). */
  const report = async (values: Array<Record<string, unknown>>, thingId = SENSOR) => {
    for (const v of values) {
      dev.ctx?.reportProperties(thingId, v);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    }
    await rig.rules.engine.idle();
  };

  before(async () => {
    rig = await rulesRig([dev]);
  });
  after(() => rig.close());

  it('a threshold rule with every action: each crossing once, status says when and why', async () => {
    const r = rig.rules.service.create({
      id: 'hot', name: 'Too hot', trigger: { type: 'threshold', thingId: SENSOR, property: 'temperature', above: 30, hysteresis: 2 },
      actions: [{ type: 'event' }, { type: 'mqtt' }, { type: 'invoke', thingId: LAMP, action: 'blink', input: { times: 3 } }, { type: 'write', thingId: LAMP, property: 'brightness', value: 100 }],
    }, ADMIN);
    const before = Date.now();
    // 31 fires; 32, 29.5 stay quiet (29.5 is inside the 2-degree band); 27 re-arms; 31 fires again.
    await report([25, 31, 32, 29.5, 31, 27, 31].map((temperature) => ({ temperature })));
    const s = rule(r.id).status;
    assert.equal(s.fires, 2);
    assert.ok(s.lastFiredAt !== null && s.lastFiredAt >= before);
    assert.deepEqual(s.lastFiring, { kind: 'above', thingId: SENSOR, name: 'temperature', value: 31, reason: `temperature of ${SENSOR} rose above 30: 31` });
    assert.equal(s.failing, false);

    const events = rig.hub.history({ thingId: SYSTEM_THING_ID, name: 'ruleFired' }).map((h) => h.value as Record<string, unknown>);
    assert.equal(events.length, 2);
    assert.deepEqual([events[0]!['ruleId'], events[0]!['rule'], events[0]!['trigger'], events[0]!['value']], ['hot', 'Too hot', 'threshold', 31]);
    assert.deepEqual(rig.published.map((p) => p.topic), ['gateway/notifications/hot', 'gateway/notifications/hot']);
    assert.equal((rig.published[0]!.payload as { reason: string }).reason, `temperature of ${SENSOR} rose above 30: 31`);
    // Two invocations and two writes of one property (the second may supersede the first in the queue).
    await until('the items delivered', () => dev.delivered.filter((i) => i.thingId === LAMP).length >= 3 && rig.hub.readProperty(LAMP, 'brightness')?.value === 100);
    const items = rig.hub.listActions(LAMP, { limit: 10 });
    assert.deepEqual(items.filter((i) => i.kind === 'action').map((i) => [i.name, i.input]), [['blink', { times: 3 }], ['blink', { times: 3 }]]);
    assert.ok(items.every((i) => rig.hub.getAction(i.id).state !== 'failed'));
    assert.equal(rig.hub.readProperty(LAMP, 'brightness')?.value, 100);
    rig.rules.service.remove('hot');
  });

  it('conditions on another thing\'s twin gate the firing', async () => {
    rig.rules.service.create({
      id: 'gated', name: 'Hot while the lamp is bright', trigger: { type: 'threshold', thingId: SENSOR, property: 'temperature', above: 40 },
      conditions: [{ thingId: LAMP, property: 'brightness', op: 'ge', value: 50 }], actions: [{ type: 'mqtt', topic: 'hot/bright' }],
    }, ADMIN);
    rig.published.length = 0;
    const skipped = rig.rules.engine.counters.skipped;
    await report([{ brightness: 10 }], LAMP);
    await report([{ temperature: 20 }, { temperature: 41 }]);
    assert.equal(rule('gated').status.fires, 0);
    assert.equal(rig.rules.engine.counters.skipped, skipped + 1);
    await report([{ brightness: 80 }], LAMP);
    await report([{ temperature: 20 }, { temperature: 41 }]);
    assert.equal(rule('gated').status.fires, 1);
    assert.deepEqual(rig.published.map((p) => p.topic), ['gateway/notifications/hot/bright']);
    rig.rules.service.remove('gated');
  });

  it('the rate limit: five events in a burst, two notifications, three suppressed', async () => {
    rig.rules.service.create({ id: 'chatty', name: 'Button', trigger: { type: 'event', event: 'button' }, actions: [{ type: 'mqtt' }], maxFiresPerMinute: 2 }, ADMIN);
    rig.published.length = 0;
    for (let i = 0; i < 5; i++) dev.ctx?.emitEvent(SENSOR, 'button', `press ${i}`);
    await until('five events seen', () => rule('chatty').status.fires + rule('chatty').status.suppressed === 5);
    await rig.rules.engine.idle();
    assert.deepEqual([rule('chatty').status.fires, rule('chatty').status.suppressed, rig.published.length], [2, 3, 2]);
    assert.deepEqual(rig.published.map((p) => (p.payload as { value: string }).value), ['press 0', 'press 1']);
    rig.rules.service.remove('chatty');
  });

  it('a failing rule is recorded, counted and shown in /metrics; the hub and the rule go on', async () => {
    rig.rules.service.create({
      id: 'broken', name: 'Broken', trigger: { type: 'threshold', thingId: SENSOR, property: 'temperature', below: 0 },
      actions: [{ type: 'invoke', thingId: 'urn:roost:testdev:nope', action: 'blink' }, { type: 'mqtt' }],
    }, ADMIN);
    rig.published.length = 0;
    await report([{ temperature: 5 }, { temperature: -1 }]);
    const s = rule('broken').status;
    assert.deepEqual([s.fires, s.errors, s.failing], [1, 1, true]);
    assert.match(s.lastError ?? '', /^invoke: no thing urn:roost:testdev:nope/);
    assert.equal(rig.published.length, 1, 'the actions after the failing one still ran');
    const metrics = (await rig.request({ url: '/metrics' })).body;
    assert.match(metrics, /^roost_rules_failing 1$/m);
    assert.match(metrics, /^roost_rule_errors_total [1-9]\d*$/m);
    // The hub goes on, and so does the rule: the next crossing fires (and fails) again.
    await report([{ temperature: 5 }, { temperature: -2 }]);
    assert.equal(rig.hub.readProperty(SENSOR, 'temperature')?.value, -2);
    assert.deepEqual([rule('broken').status.fires, rule('broken').status.errors], [2, 2]);
    rig.rules.service.remove('broken');
  });

  it('a rule runs with the role of its writer: one that may not act fails its thing actions', async () => {
    rig.rules.service.create({ id: 'weak', name: 'Weak', trigger: { type: 'event', event: 'button' }, actions: [{ type: 'write', thingId: LAMP, property: 'brightness', value: 1 }] }, { username: 'v', role: 'viewer' });
    const queued = rig.hub.listActions(LAMP, { limit: 100 }).length;
    dev.ctx?.emitEvent(SENSOR, 'button', 'x');
    await until('the rule failed', () => rule('weak').status.failing);
    assert.match(rule('weak').status.lastError ?? '', /runs as role viewer, which may not act on things/);
    assert.equal(rig.hub.listActions(LAMP, { limit: 100 }).length, queued);
    rig.rules.service.remove('weak');
  });

  it('a disabled rule does not run; a schedule fires on the engine\'s ticks', async () => {
    rig.rules.service.create({ id: 'off', name: 'Off', enabled: false, trigger: { type: 'event', event: 'button' }, actions: [{ type: 'mqtt' }] }, ADMIN);
    rig.rules.service.create({ id: 'tick', name: 'Every second', trigger: { type: 'schedule', everyMs: 1000 }, actions: [{ type: 'mqtt' }] }, ADMIN);
    rig.published.length = 0;
    dev.ctx?.emitEvent(SENSOR, 'button', 'x');
    const t0 = rule('tick').createdAt;
    rig.rules.engine.tick(t0 + 500);
    rig.rules.engine.tick(t0 + 1500);
    rig.rules.engine.tick(t0 + 1600);
    await rig.rules.engine.idle();
    assert.deepEqual(rig.published.map((p) => p.topic), ['gateway/notifications/tick']);
    assert.equal(rule('off').status.fires, 0);
    assert.equal(rule('tick').status.lastFiring?.reason, 'every 1 s');
  });
});
