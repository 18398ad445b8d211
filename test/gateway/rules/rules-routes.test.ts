/**
 * /rules over app.inject(): admins and operators manage rules, viewers and agents get 403 and the
 * anonymous 401; bodies are checked against the rule schema (400 naming the key), a PATCH is
 * merged and checked whole, ids are unique (409), rules.maxRules holds (409), a deleted rule is 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rulesRig, type RulesRig } from './rules-rig.js';

const threshold = {
  name: 'Hot room', trigger: { type: 'threshold', thingId: 'urn:roost:coap:room-0', property: 'temp', above: 30, hysteresis: 1 },
  actions: [{ type: 'mqtt' }],
};
const json = (payload: unknown) => ({ payload: payload as Record<string, unknown>, headers: { 'content-type': 'application/json' } });

describe('/rules', () => {
  let rig: RulesRig;
  before(async () => {
    rig = await rulesRig([], { rules: { maxRules: 4 } });
  });
  after(() => rig.close());

  it('an admin creates a rule: 201, Location, the rule with an empty status', async () => {
    const res = await rig.request({ method: 'POST', url: '/rules', ...json(threshold) });
    assert.equal(res.statusCode, 201);
    const r = res.json();
    assert.match(r.id, /^rule-[0-9a-f]{8}$/);
    assert.equal(res.headers['location'], `/rules/${r.id}`);
    assert.deepEqual([r.name, r.enabled, r.createdBy, r.role, r.conditions], ['Hot room', true, 'admin', 'admin', []]);
    assert.deepEqual(r.trigger, threshold.trigger);
    assert.deepEqual(r.status, { lastFiredAt: null, lastFiring: null, lastError: null, lastErrorAt: null, fires: 0, errors: 0, suppressed: 0, failing: false });
    assert.deepEqual((await rig.request({ url: `/rules/${r.id}` })).json(), r);
    assert.ok((await rig.request({ url: '/rules' })).json().some((x: { id: string }) => x.id === r.id));
    assert.equal((await rig.request({ method: 'DELETE', url: `/rules/${r.id}` })).statusCode, 204);
  });

  it('an operator manages rules too, and the rule then runs with the operator\'s role', async () => {
    const res = await rig.request({ method: 'POST', url: '/rules', ...json({ ...threshold, id: 'by-op' }) }, 'operator');
    assert.equal(res.statusCode, 201);
    assert.deepEqual([res.json().createdBy, res.json().role], ['operator', 'operator']);
    const patched = await rig.request({ method: 'PATCH', url: '/rules/by-op', ...json({ enabled: false }) }, 'admin');
    assert.equal(patched.statusCode, 200);
    assert.deepEqual([patched.json().enabled, patched.json().createdBy, patched.json().role], [false, 'operator', 'admin']);
    assert.equal((await rig.request({ method: 'DELETE', url: '/rules/by-op' }, 'operator')).statusCode, 204);
  });

  it('viewers and agents may not read or change rules; without a token it is 401', async () => {
    for (const role of ['viewer', 'agent'] as const) {
      for (const [method, url] of [['GET', '/rules'], ['GET', '/rules/x'], ['POST', '/rules'], ['PUT', '/rules/x'], ['PATCH', '/rules/x'], ['DELETE', '/rules/x']] as const) {
        const res = await rig.request({ method, url, ...(method === 'GET' || method === 'DELETE' ? {} : json(method === 'PATCH' ? { enabled: true } : threshold)) }, role);
        assert.equal(res.statusCode, 403, `${role} ${method} ${url}`);
        assert.equal(res.json().code, 'ROOST_ERR_FORBIDDEN');
      }
    }
    const anon = await rig.app.inject({ method: 'GET', url: '/rules' });
    assert.equal(anon.statusCode, 401);
  });

  it('bodies that break the schema are 400 and name what is wrong', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ name: 'x', actions: [{ type: 'mqtt' }] }, /trigger/],
      [{ ...threshold, trigger: { type: 'threshold', property: 'temp', above: 30, below: 10 } }, /oneOf/],
      [{ ...threshold, trigger: { type: 'threshold', property: 'temp' } }, /oneOf|above/],
      [{ ...threshold, trigger: { type: 'rain' } }, /trigger\/type/],
      [{ ...threshold, trigger: { ...threshold.trigger, hysteresis: -1 } }, /hysteresis/],
      [{ ...threshold, trigger: { ...threshold.trigger, colour: 'red' } }, /colour|additional/],
      [{ ...threshold, actions: [] }, /actions/],
      [{ ...threshold, actions: [{ type: 'webhook', url: 'ftp://example.org/' }] }, /url/],
      [{ ...threshold, actions: [{ type: 'invoke', thingId: 'urn:x' }] }, /action/],
      [{ ...threshold, trigger: { type: 'schedule', dailyAt: '25:00' } }, /dailyAt/],
      [{ ...threshold, conditions: [{ thingId: 'urn:x', property: 'p', op: 'approx', value: 1 }] }, /op/],
      [{ ...threshold, extra: 1 }, /extra|additional/],
    ];
    for (const [body, why] of bad) {
      const res = await rig.request({ method: 'POST', url: '/rules', ...json(body) });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().code, 'ROOST_ERR_BAD_REQUEST');
      assert.match(res.json().title, why, JSON.stringify(body));
    }
    assert.equal((await rig.request({ url: '/rules' })).json().length, 0, 'nothing was stored');
  });

  it('PUT creates (201) then replaces (200); a PATCH is merged and checked whole', async () => {
    const created = await rig.request({ method: 'PUT', url: '/rules/battery', ...json({ name: 'Low battery', trigger: { type: 'battery', below: 20 }, actions: [{ type: 'event' }] }) });
    assert.equal(created.statusCode, 201);
    const replaced = await rig.request({ method: 'PUT', url: '/rules/battery', ...json({ name: 'Low battery!', trigger: { type: 'battery', below: 15 }, actions: [{ type: 'event' }] }) });
    assert.equal(replaced.statusCode, 200);
    assert.deepEqual([replaced.json().name, replaced.json().trigger.below, replaced.json().createdAt], ['Low battery!', 15, created.json().createdAt]);
    const merged = await rig.request({ method: 'PATCH', url: '/rules/battery', ...json({ trigger: { hysteresis: 2 }, maxFiresPerMinute: 1 }) });
    assert.equal(merged.statusCode, 200);
    assert.deepEqual([merged.json().trigger, merged.json().maxFiresPerMinute], [{ type: 'battery', below: 15, hysteresis: 2 }, 1]);
    const broken = await rig.request({ method: 'PATCH', url: '/rules/battery', ...json({ trigger: { type: 'threshold' } }) });
    assert.equal(broken.statusCode, 400);
    assert.deepEqual((await rig.request({ url: '/rules/battery' })).json().trigger.type, 'battery', 'unchanged');
    assert.equal((await rig.request({ method: 'PATCH', url: '/rules/battery', ...json({ id: 'other' }) })).statusCode, 409);
    assert.equal((await rig.request({ method: 'PUT', url: '/rules/battery', ...json({ ...threshold, id: 'other' }) })).statusCode, 409);
    assert.equal((await rig.request({ method: 'DELETE', url: '/rules/battery' })).statusCode, 204);
    const gone = await rig.request({ url: '/rules/battery' });
    assert.deepEqual([gone.statusCode, gone.json().code], [404, 'ROOST_ERR_ROUTE_NOT_FOUND']);
    assert.equal((await rig.request({ method: 'DELETE', url: '/rules/battery' })).statusCode, 404);
    assert.equal((await rig.request({ method: 'PATCH', url: '/rules/battery', ...json({ enabled: false }) })).statusCode, 404);
  });

  it('a taken id is 409; beyond rules.maxRules a new rule is 409 and says the limit', async () => {
    for (const id of ['a', 'b', 'c', 'd']) assert.equal((await rig.request({ method: 'POST', url: '/rules', ...json({ ...threshold, id }) })).statusCode, 201);
    const taken = await rig.request({ method: 'PUT', url: '/rules/e', ...json(threshold) });
    assert.deepEqual([taken.statusCode, taken.json().code], [409, 'ROOST_ERR_CONFLICT']);
    assert.match(taken.json().title, /rules\.maxRules is 4/);
    assert.equal((await rig.request({ method: 'POST', url: '/rules', ...json({ ...threshold, id: 'a' }) })).statusCode, 409);
    for (const id of ['a', 'b', 'c', 'd']) await rig.request({ method: 'DELETE', url: `/rules/${id}` });
  });
});
