import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../../gateway/auth/users.js';
import { mayPublish, mayReplyTo, maySubscribe } from '../../../gateway/mqtt/acl.js';

const viewer: Principal = { username: 'vera', role: 'viewer' };
const operator: Principal = { username: 'olga', role: 'operator' };
const agent: Principal = { username: 'svc/a', role: 'agent' };
const admin: Principal = { username: 'root', role: 'admin' };
const lamp = 'things/urn:roost:x:lamp';

describe('MQTT access rules', () => {
  it('subscriptions: everyone under things/, requesters their own replies, admins everything but $roost', () => {
    const table: Array<[string, Principal, boolean]> = [
      ['things/#', viewer, true], [`${lamp}/td`, viewer, true], ['#', viewer, false], ['+/x', viewer, false], ['replies/vera/#', viewer, false],
      ['replies/olga/#', operator, true], ['replies/olga/a/b', operator, true], ['replies/+/#', operator, false], ['replies/vera/#', operator, false],
      ['replies/svc%2Fa/#', agent, true], ['replies/svc/a', agent, false],
      ['#', admin, true], ['$SYS/#', admin, true], ['$roost/discard', admin, false], ['$roost/#', operator, false],
    ];
    for (const [filter, p, ok] of table) assert.equal(maySubscribe(p, filter), ok, `${p.role} ${filter}`);
  });

  it('publishes: requests by operators, agents and admins; gateway topics by nobody; the rest by admins', () => {
    const table: Array<[string, Principal, string | null]> = [
      [`${lamp}/action/blink`, viewer, 'ROOST_ERR_FORBIDDEN'], [`${lamp}/property/level/set`, viewer, 'ROOST_ERR_FORBIDDEN'], ['anything', viewer, 'ROOST_ERR_FORBIDDEN'],
      [`${lamp}/action/blink`, operator, null], [`${lamp}/property/level/set`, agent, null], ['replies/olga/x', operator, 'ROOST_ERR_FORBIDDEN'],
      [`${lamp}/action/blink`, admin, null], ['admin/notes', admin, null],
    ];
    for (const [topic, p, code] of table) assert.equal(mayPublish(p, topic)?.code ?? null, code, `${p.role} ${topic}`);
    for (const topic of [`${lamp}/td`, `${lamp}/event/button`, `${lamp}/property/level`, `${lamp}/status`, 'things', '$SYS/x', '$roost/discard']) {
      for (const p of [viewer, operator, agent, admin]) assert.equal(mayPublish(p, topic)?.code, 'ROOST_ERR_FORBIDDEN', `${p.role} ${topic}`);
    }
  });

  it('response topics: somewhere the requester may subscribe, never under things/ or $', () => {
    assert.equal(mayReplyTo(operator, 'replies/olga/1'), true);
    assert.equal(mayReplyTo(operator, 'replies/vera/1'), false);
    assert.equal(mayReplyTo(operator, `${lamp}/td`), false);
    assert.equal(mayReplyTo(admin, `${lamp}/td`), false);
    assert.equal(mayReplyTo(admin, 'ops/replies'), true);
    assert.equal(mayReplyTo(admin, '$SYS/x'), false);
    assert.equal(mayReplyTo(admin, 'replies/+/x'), false);
  });
});
