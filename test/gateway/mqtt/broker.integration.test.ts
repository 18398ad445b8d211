import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Users } from '../../../gateway/auth/users.js';
import { ApiClient } from '../../helpers/api-client.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { actionTopic, eventTopic, propertySetTopic, propertyTopic, tdTopic } from '../../../gateway/mqtt/topics.js';
import { addUser, closed, connect, connectError, httpToken, subscribeCodes, type Rig } from './mqtt-rig.js';

const LAMP = 'urn:roost:testdev:lamp';
const SLEEPY = 'urn:roost:testdev:sleepy';

describe('MQTT API against a running gateway', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let admin: Rig;
  const open: Rig[] = [];
  const login = async (opts: Parameters<typeof connect>[1], url = gw.mqttUrl as string) => {
    const r = await connect(url, opts);
    open.push(r);
    return r;
  };

  before(async () => {
    dev = new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }, { deviceId: 'sleepy', sleepy: true }]);
    gw = await startTestGateway({ http: { syncWaitMs: 300 }, mqtt: { maxPacketBytes: 4096, authCheckIntervalMs: 100 } }, { extraBindings: [dev] });
    await addUser(gw, 'viewer1', 'viewer-pass-1', 'viewer');
    await addUser(gw, 'op1', 'operator-pass-1', 'operator');
    admin = await login({ username: 'admin', password: TEST_ADMIN_PASSWORD });
  });

  after(async () => {
    await Promise.all(open.map((r) => r.client.endAsync(true).catch(() => undefined)));
    await gw.stop();
  });

  it('publishes the retained consumer TD with MQTT forms on the bound port', async () => {
    await admin.client.subscribeAsync(tdTopic(LAMP), { qos: 1 });
    const msg = await admin.next(tdTopic(LAMP));
    assert.equal(msg.packet.retain, true);
    const td = JSON.parse(msg.payload.toString()) as { id: string; actions: Record<string, { forms: Array<{ href: string; op: string[] }> }>; properties: Record<string, { forms: Array<{ href: string; op: string[] }> }> };
    assert.equal(td.id, LAMP);
    const port = new URL(gw.mqttUrl as string).port;
    assert.ok(td.actions['blink']?.forms.some((f) => f.href === `mqtt://127.0.0.1:${port}/${actionTopic(LAMP, 'blink')}`));
    assert.ok(td.properties['brightness']?.forms.some((f) => f.href.endsWith(`/${propertySetTopic(LAMP, 'brightness')}`) && f.op.includes('writeproperty')));
  });

  it('retains property values and delivers events at QoS 1', async () => {
    dev.ctx?.reportProperties(LAMP, { temperature: 21.5 });
    const viewer = await login({ username: 'viewer1', password: 'viewer-pass-1' });
    // Wait until the value went through the bus before a new subscriber asks for the retained copy.
    await admin.client.subscribeAsync(propertyTopic(LAMP, 'temperature'), { qos: 1 });
    assert.equal(await admin.json(propertyTopic(LAMP, 'temperature')), 21.5);
    await viewer.client.subscribeAsync('things/#', { qos: 1 });
    const retained = await viewer.next(propertyTopic(LAMP, 'temperature'));
    assert.equal(retained.packet.retain, true);
    assert.equal(JSON.parse(retained.payload.toString()), 21.5);

    dev.ctx?.emitEvent(LAMP, 'button', 'pressed');
    const ev = await viewer.next(eventTopic(LAMP, 'button'));
    assert.equal(JSON.parse(ev.payload.toString()), 'pressed');
    assert.equal(ev.packet.qos, 1);
    assert.equal(ev.packet.retain, false);
  });

  it('invokes an action through the queue and replies with the result on the response topic', async () => {
    const op = await login({ username: 'op1', password: 'operator-pass-1' });
    await op.client.subscribeAsync('replies/op1/#', { qos: 1 });
    const before = dev.delivered.length;
    await op.client.publishAsync(actionTopic(LAMP, 'blink'), JSON.stringify({ input: { times: 2 }, responseTopic: 'replies/op1/a1', correlationData: 'c-1' }), { qos: 1 });
    const reply = await op.json('replies/op1/a1') as { correlationData: string; state: string; output: unknown; actionId: string };
    assert.deepEqual({ ...reply, actionId: typeof reply.actionId }, { correlationData: 'c-1', state: 'completed', output: { done: 'blink' }, actionId: 'string' });
    assert.deepEqual(dev.delivered.slice(before).map((i) => [i.name, i.input]), [['blink', { times: 2 }]]);

    // A plain payload (what node-wot publishes) is the input, and nothing is replied.
    await op.client.publishAsync(actionTopic(LAMP, 'blink'), JSON.stringify({ times: 3 }), { qos: 1 });
    assert.deepEqual(dev.delivered.at(-1)?.input, { times: 3 });
  });

  it('queues for a sleeping device: the queued state first, the result when it wakes', async () => {
    const op = await login({ username: 'op1', password: 'operator-pass-1' });
    await op.client.subscribeAsync('replies/op1/#', { qos: 1 });
    await op.client.publishAsync(actionTopic(SLEEPY, 'reset'), JSON.stringify({ responseTopic: 'replies/op1/s1', correlationData: 7 }), { qos: 1 });
    const first = await op.json('replies/op1/s1') as { state: string; correlationData: number; action: { id: string } };
    assert.equal(first.state, 'queued');
    assert.equal(first.correlationData, 7);
    dev.ctx?.awake(SLEEPY);
    const final = await op.json('replies/op1/s1') as { state: string; output: unknown; actionId: string };
    assert.deepEqual(final, { correlationData: 7, actionId: first.action.id, state: 'completed', output: { done: 'reset' } });
  });

  it('writes a property through the queue; the retained value follows', async () => {
    await admin.client.subscribeAsync(['replies/w/#', propertyTopic(LAMP, 'brightness')], { qos: 1 });
    await admin.client.publishAsync(propertySetTopic(LAMP, 'brightness'), JSON.stringify({ value: 40, responseTopic: 'replies/w/1' }), { qos: 1 });
    const reply = await admin.json('replies/w/1') as { state: string };
    assert.equal(reply.state, 'completed');
    assert.equal(await admin.json(propertyTopic(LAMP, 'brightness')), 40);
    assert.equal(dev.delivered.at(-1)?.kind, 'write');
  });

  it('answers unknown things, actions and bad values with typed errors on the response topic', async () => {
    await admin.client.subscribeAsync('replies/e/#', { qos: 1 });
    await admin.client.publishAsync(actionTopic('urn:roost:testdev:nope', 'blink'), JSON.stringify({ input: { times: 1 }, responseTopic: 'replies/e/1', correlationData: 'x' }), { qos: 1 });
    const e1 = await admin.json('replies/e/1') as { correlationData: string; error: { code: string; reason: number; message: string } };
    assert.deepEqual([e1.correlationData, e1.error.code, e1.error.reason, typeof e1.error.message], ['x', 'ROOST_ERR_THING_NOT_FOUND', 0x90, 'string']);
    await admin.client.publishAsync(actionTopic(LAMP, 'fly'), JSON.stringify({ responseTopic: 'replies/e/2' }), { qos: 1 });
    assert.equal((await admin.json('replies/e/2') as { error: { code: string } }).error.code, 'ROOST_ERR_AFFORDANCE_NOT_FOUND');
    await admin.client.publishAsync(propertySetTopic(LAMP, 'brightness'), JSON.stringify({ value: 'loud', responseTopic: 'replies/e/3' }), { qos: 1 });
    assert.equal((await admin.json('replies/e/3') as { error: { code: string; reason: number } }).error.code, 'ROOST_ERR_VALUE_INVALID');
  });

  it('lets a viewer subscribe under things/ only and publish nothing; denied publishes are acknowledged and dropped', async () => {
    const viewer = await login({ username: 'viewer1', password: 'viewer-pass-1' });
    assert.deepEqual(await subscribeCodes(viewer.client, { 'things/#': { qos: 1 }, 'replies/#': { qos: 1 }, '#': { qos: 0 } }), [1, 0x80, 0x80]);
    const before = dev.delivered.length;
    const denied = await metric('roost_mqtt_acl_denials_total{op="publish"}');
    await viewer.client.publishAsync(actionTopic(LAMP, 'reset'), '', { qos: 1 });
    await viewer.client.publishAsync(tdTopic(LAMP), '{}', { qos: 1, retain: true });
    assert.equal(viewer.client.connected, true);
    // The operator's own request after the viewer's shows the queue saw only the operator's.
    await admin.client.publishAsync(actionTopic(LAMP, 'blink'), JSON.stringify({ input: { times: 1 }, responseTopic: 'replies/v/1' }), { qos: 1 });
    await admin.client.subscribeAsync('replies/v/#');
    assert.deepEqual(dev.delivered.slice(before).map((i) => i.name), ['blink']);
    assert.equal(await metric('roost_mqtt_acl_denials_total{op="publish"}'), denied + 2);
    // The forged retained TD did not replace the gateway's.
    const fresh = await login({ username: 'viewer1', password: 'viewer-pass-1' });
    await fresh.client.subscribeAsync(tdTopic(LAMP));
    assert.equal((JSON.parse((await fresh.next(tdTopic(LAMP))).payload.toString()) as { id: string }).id, LAMP);
  });

  it('refuses bad credentials (4), anonymous clients (5) and MQTT 5 (1, aedes speaks 3.1.1 only)', async () => {
    assert.equal((await connectError(gw.mqttUrl as string, { username: 'admin', password: 'wrong-password' })).code, 4);
    assert.equal((await connectError(gw.mqttUrl as string, {})).code, 5);
    assert.equal((await connectError(gw.mqttUrl as string, { username: 'admin', password: 'not.a.jwt' })).code, 4);
    assert.equal((await connectError(gw.mqttUrl as string, { protocolVersion: 5, username: 'admin', password: TEST_ADMIN_PASSWORD })).code, 1);
  });

  it("refuses a client id that another user's session holds (2)", async () => {
    await login({ username: 'admin', password: TEST_ADMIN_PASSWORD, clientId: 'shared-id', clean: false });
    assert.equal((await connectError(gw.mqttUrl as string, { username: 'viewer1', password: 'viewer-pass-1', clientId: 'shared-id', clean: false })).code, 2);
  });

  it('accepts a bearer token as the password over WebSocket at /mqtt, and ends the session when the password changes', async () => {
    const users = await addUser(gw, 'agent1', 'agent-pass-1', 'agent');
    const token = await httpToken(gw, 'agent1', 'agent-pass-1');
    const wsUrl = `${(gw.httpUrl as string).replace('http:', 'ws:')}/mqtt`;
    const agent = await login({ username: 'anyone', password: token }, wsUrl);
    await agent.client.subscribeAsync(['replies/agent1/#', tdTopic(LAMP)], { qos: 1 });
    assert.equal((JSON.parse((await agent.next(tdTopic(LAMP))).payload.toString()) as { id: string }).id, LAMP);
    await agent.client.publishAsync(actionTopic(LAMP, 'reset'), JSON.stringify({ responseTopic: 'replies/agent1/r' }), { qos: 1 });
    assert.equal((await agent.json('replies/agent1/r') as { state: string }).state, 'completed');
    const gone = closed(agent.client);
    await users.setPassword('agent1', 'agent-pass-2');
    await gone;
    assert.equal((await connectError(gw.mqttUrl as string, { username: 'x', password: token })).code, 4);
  });

  it('ends a token session when the token expires', async () => {
    const revoked = await metric('roost_mqtt_sessions_revoked_total');
    // A token issued 58 s ago with a 60 s lifetime: valid for about two more seconds.
    const { token } = await new Users(gw.store.db, 60, () => Date.now() - 58_000).login('op1', 'operator-pass-1');
    const c = await login({ username: 'op1', password: token });
    await closed(c.client);
    assert.equal(await metric('roost_mqtt_sessions_revoked_total'), revoked + 1);
  });

  it('closes a connection that sends a packet over mqtt.maxPacketBytes', async () => {
    const c = await login({ username: 'admin', password: TEST_ADMIN_PASSWORD });
    const refused = await metric('roost_mqtt_packets_refused_total');
    const gone = closed(c.client);
    c.client.publish('admin/big', Buffer.alloc(8192, 1), { qos: 0 });
    await gone;
    assert.equal(await metric('roost_mqtt_packets_refused_total'), refused + 1);
  });

  it('clears the retained topics of a removed thing', async () => {
    await admin.client.subscribeAsync(tdTopic(SLEEPY), { qos: 1 });
    await admin.next(tdTopic(SLEEPY));
    gw.hub.deleteThing(SLEEPY);
    assert.equal((await admin.next(tdTopic(SLEEPY))).payload.length, 0);
    const fresh = await login({ username: 'admin', password: TEST_ADMIN_PASSWORD });
    await fresh.client.subscribeAsync(tdTopic(SLEEPY));
    await fresh.client.subscribeAsync(tdTopic(LAMP));
    await fresh.next(tdTopic(LAMP));
    assert.deepEqual(fresh.received.map((r) => r.topic), []);
  });

  it('shows its counters in /metrics', async () => {
    assert.ok((await metric('roost_mqtt_clients_connected')) >= 1);
    assert.ok((await metric('roost_mqtt_auth_failures_total')) >= 3);
    assert.ok((await metric('roost_mqtt_messages_out_total')) > 0);
  });

  /** One sample of /metrics, read as the admin. */
  async function metric(series: string): Promise<number> {
    const token = await httpToken(gw, 'admin', TEST_ADMIN_PASSWORD);
    const text = await (await fetch(`${gw.httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    assert.ok(line, `${series} in /metrics`);
    return Number(line.slice(series.length + 1));
  }
  it('runs an action once when a QoS 1 PUBLISH is resent with DUP and the same packet id', async () => {
    const before = dev.delivered.filter((d) => d.name === 'blink').length;
    const rig = await login({ username: 'op1', password: 'operator-pass-1', clientId: 'dup-tester' });
    const stream = (rig.client as unknown as { stream: { write(b: Buffer): boolean } }).stream;
    // MQTT 3.1.1 §3.3: PUBLISH, QoS 1 (0x32), with DUP (0x3a); topic, packet id 4242, payload.
    const publish = (dup: boolean) => {
      const topic = Buffer.from(actionTopic(LAMP, 'blink'));
      const payload = Buffer.from('{"times":1}');
      const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from([0x10, 0x92]), payload]);
      assert.ok(body.length < 128);
      stream.write(Buffer.concat([Buffer.from([dup ? 0x3a : 0x32, body.length]), body]));
    };
    publish(false);
    publish(true);
    publish(false); // the same id again without DUP: a new request (ids are free after PUBACK)
    const api = await ApiClient.login(gw.httpUrl!);
    const metric = async () => Number(/^roost_mqtt_requests_total\{result="duplicate"\} (\d+)$/m.exec((await api.get<string>('/metrics')).body)?.[1]);
    const t0 = Date.now();
    while (dev.delivered.filter((d) => d.name === 'blink').length < before + 2 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(dev.delivered.filter((d) => d.name === 'blink').length, before + 2);
    assert.equal(await metric(), 1);
  });
});
