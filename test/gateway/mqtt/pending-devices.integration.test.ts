/**
 * `devices/pending/{id}` (retained) against a running gateway: a pending device appears with what
 * it claims, a decision clears it, only admins and operators may subscribe, nobody may publish
 * there, and no payload carries a credential.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Principal } from '../../../gateway/auth/users.js';
import { mayPublish, mayReplyTo, maySubscribe } from '../../../gateway/mqtt/acl.js';
import { pendingTopic } from '../../../gateway/mqtt/pending-publisher.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { addUser, connect, subscribeCodes, type Rig } from './mqtt-rig.js';

const SECRET = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

describe('pending devices on MQTT', () => {
  let gw: TestGateway;
  const open: Rig[] = [];
  const login = async (username: string, password: string) => {
    const r = await connect(gw.mqttUrl!, { username, password });
    open.push(r);
    return r;
  };
  before(async () => {
    gw = await startTestGateway({ onboarding: { defaultPolicy: 'approve' } });
    await addUser(gw, 'viewer1', 'viewer-pass-1', 'viewer');
    await addUser(gw, 'op1', 'operator-pass-1', 'operator');
    await addUser(gw, 'agent1', 'agent-pass-1', 'agent');
  });
  after(async () => {
    await Promise.all(open.map((r) => r.client.endAsync(true).catch(() => undefined)));
    await gw.stop();
  });

  it('ACL: admins and operators subscribe under devices/, viewers and agents do not; nobody publishes there', () => {
    const who = (role: Principal['role']): Principal => ({ username: `u-${role}`, role });
    const table: Array<[string, Principal, boolean]> = [
      ['devices/#', who('admin'), true], ['devices/pending/#', who('operator'), true], ['devices/pending/urn:roost:coap:n1', who('operator'), true],
      ['devices/#', who('viewer'), false], ['devices/pending/+', who('agent'), false], ['#', who('operator'), false],
    ];
    for (const [filter, p, ok] of table) assert.equal(maySubscribe(p, filter), ok, `${p.role} ${filter}`);
    for (const role of ['admin', 'operator', 'agent', 'viewer'] as const) {
      assert.equal(mayPublish(who(role), 'devices/pending/urn:roost:coap:n1')?.code, 'ROOST_ERR_FORBIDDEN', role);
      assert.equal(mayReplyTo(who(role), 'devices/pending/x'), false, role);
    }
  });

  it('a pending device is retained on devices/pending/{id} and cleared once approved; viewers are refused', async () => {
    const ob = gw.hub.onboarding;
    assert.equal(ob.requestAdmission('coap', { deviceId: 'n1', seenAs: 'coap registration from 192.0.2.7:5683', claims: { ep: 'n1' } }).state, 'pending');
    const topic = pendingTopic('urn:roost:coap:n1');
    assert.equal(topic, 'devices/pending/urn:roost:coap:n1');

    const op = await login('op1', 'operator-pass-1');
    assert.deepEqual(await subscribeCodes(op.client, { 'devices/pending/#': { qos: 1 } }), [1]);
    const first = await op.next(topic);
    assert.equal(first.packet.retain, true);
    const view = JSON.parse(first.payload.toString()) as Record<string, unknown>;
    assert.equal(view['id'], 'urn:roost:coap:n1');
    assert.equal(view['seenAs'], 'coap registration from 192.0.2.7:5683');
    assert.deepEqual(view['claims'], { ep: 'n1' });
    assert.equal(view['state'], 'pending');

    const viewer = await login('viewer1', 'viewer-pass-1');
    assert.deepEqual(await subscribeCodes(viewer.client, { 'devices/pending/#': { qos: 1 }, 'devices/#': { qos: 0 } }), [0x80, 0x80]);
    const agent = await login('agent1', 'agent-pass-1');
    assert.deepEqual(await subscribeCodes(agent.client, { 'devices/#': { qos: 1 } }), [0x80]);

    ob.approve('coap', 'n1', { oscore: { masterSecret: SECRET, senderId: '', recipientId: '01' } });
    const cleared = await op.next(topic);
    assert.equal(cleared.payload.length, 0, 'an empty payload clears the retained message');

    // A subscriber that comes now finds nothing retained for the decided device.
    const admin = await login('admin', TEST_ADMIN_PASSWORD);
    ob.requestAdmission('serial', { deviceId: 's1', seenAs: 'serial hello' });
    await subscribeCodes(admin.client, { 'devices/#': { qos: 1 } });
    const s1 = await admin.json(pendingTopic('urn:roost:serial:s1')) as { deviceId: string };
    assert.equal(s1.deviceId, 's1');
    assert.equal(admin.received.some((r) => r.topic === topic), false);

    ob.reject('serial', 's1');
    assert.equal((await admin.next(pendingTopic('urn:roost:serial:s1'))).payload.length, 0);
    // An operator's publish there never reaches a subscriber.
    await op.client.publishAsync('devices/pending/urn:roost:fake:x', '{"forged":true}', { qos: 1, retain: true });
    await assert.rejects(admin.next('devices/pending/urn:roost:fake:x', 300));
    for (const r of open) for (const m of r.received) assert.ok(!m.payload.toString().includes(SECRET));
  });

  it('devices pending at start are published when the broker starts', async () => {
    const dataDir = (await import('../../helpers/gateway.js')).tempDir();
    const { rmSync } = await import('node:fs');
    const first = await startTestGateway({ onboarding: { defaultPolicy: 'approve' } }, { dataDir });
    first.hub.onboarding.requestAdmission('zigbee', { deviceId: '00124b0001abcdef', seenAs: 'zigbee join' });
    await first.stop();
    const again = await startTestGateway({ onboarding: { defaultPolicy: 'approve' } }, { dataDir });
    try {
      const admin = await connect(again.mqttUrl!, { username: 'admin', password: TEST_ADMIN_PASSWORD });
      await subscribeCodes(admin.client, { 'devices/pending/#': { qos: 1 } });
      const v = await admin.json(pendingTopic('urn:roost:zigbee:00124b0001abcdef')) as { seenAs: string };
      assert.equal(v.seenAs, 'zigbee join');
      await admin.client.endAsync(true);
    } finally {
      await again.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
