import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { TEST_ADMIN_PASSWORD } from '../../helpers/gateway.js';
import { AGENT_PASSWORD, SENSOR_TD as TD, startAgentRig, waitFor, type AgentRig } from './agent-rig.js';

const THING = 'urn:roost:agent:bridge1:s1';

describe('agents over MQTT', () => {
  let rig: AgentRig;
  let gw: AgentRig['gw'];
  const api = (path: string, init: RequestInit = {}) => rig.api(path, init);
  const connect = (username: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> =>
    mqtt.connectAsync(gw.mqttUrl!, { username, password: AGENT_PASSWORD, reconnectPeriod: 0, ...opts });

  before(async () => {
    // http.syncWaitMs: room for the agent's answer after a resend on a loaded machine.
    rig = await startAgentRig({ bridge1: 'agent', bridge2: 'agent', op: 'operator' }, { queue: { resultTimeoutMs: 300 }, http: { syncWaitMs: 6000 } });
    gw = rig.gw;
  });
  after(() => rig.stop());

  it('registers a thing, reports values and events, takes items and answers them; offline when it goes, the queue waits', async () => {
    const agent = await connect('bridge1', { clientId: 'bridge1-a' });
    const items: Array<{ id: string; name: string; input: unknown; attempt: number }> = [];
    const errors: unknown[] = [];
    agent.on('message', (topic, payload) => {
      if (topic.endsWith('/items')) items.push(JSON.parse(payload.toString()) as (typeof items)[number]);
      if (topic.endsWith('/errors')) errors.push(JSON.parse(payload.toString()));
    });
    await agent.subscribeAsync('agents/bridge1/#', { qos: 1 });
    await agent.publishAsync('agents/bridge1/things/s1/td', JSON.stringify({ td: TD }), { qos: 1 });
    assert.equal(gw.hub.getThing(THING).online, true);
    await agent.publishAsync('agents/bridge1/things/s1/properties', JSON.stringify({ temperature: 21.5 }), { qos: 1 });
    await agent.publishAsync('agents/bridge1/things/s1/events/alarm', JSON.stringify('hot'), { qos: 1 });
    assert.equal(gw.hub.readProperty(THING, 'temperature')?.value, 21.5);

    // An operator invokes; the agent gets the item with its id and answers it.
    const invoked = api(`/things/${encodeURIComponent(THING)}/actions/calibrate`, { method: 'POST', body: '0.5' });
    await waitFor('the item', () => items.length === 1);
    const first = items[0]!;
    assert.equal(first.name, 'calibrate');
    assert.equal(first.input, 0.5);
    // No answer within queue.resultTimeoutMs: the same id goes out again (at least once).
    await waitFor('the item again', () => items.length >= 2, 5000);
    assert.equal(items[1]!.id, first.id);
    await agent.publishAsync('agents/bridge1/things/s1/results', JSON.stringify({ id: first.id, state: 'completed', output: 'ok' }), { qos: 1 });
    await waitFor('completed', () => gw.hub.getAction(first.id).state === 'completed');
    // The HTTP invocation waited (http.syncWaitMs) past `delivered` for the result of the awake agent.
    const inv = await invoked;
    assert.deepEqual([inv.status, await inv.json()], [200, 'ok']);

    // Bad input: a TD that does not validate, a value against the schema, an unknown topic.
    await agent.publishAsync('agents/bridge1/things/s2/td', JSON.stringify({ td: { title: 'no context' } }), { qos: 1 });
    await agent.publishAsync('agents/bridge1/things/s1/properties', JSON.stringify({ temperature: 'warm' }), { qos: 1 });
    await waitFor('two error reports', () => errors.length >= 2);
    assert.deepEqual(errors.map((e) => (e as { code: string }).code), ['ROOST_ERR_TD_INVALID', 'ROOST_ERR_VALUE_INVALID']);
    assert.equal(gw.hub.directory.find('urn:roost:agent:bridge1:s2'), undefined);
    assert.equal(gw.hub.readProperty(THING, 'temperature')?.value, 21.5);

    // The agent goes: its thing is offline and an item waits for it.
    await agent.endAsync();
    await waitFor('offline', () => gw.hub.getThing(THING).online === false);
    const waiting = await api(`/things/${encodeURIComponent(THING)}/actions/calibrate`, { method: 'POST', body: '1' });
    assert.equal(waiting.status, 202);
    const waitingId = ((await waiting.json()) as { id: string }).id;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(gw.hub.getAction(waitingId).state, 'queued');
    // It comes back: online, and the item goes out to it.
    const again = await connect('bridge1', { clientId: 'bridge1-b' });
    const got: string[] = [];
    again.on('message', (topic, payload) => { if (topic.endsWith('/items')) got.push((JSON.parse(payload.toString()) as { id: string }).id); });
    await again.subscribeAsync('agents/bridge1/#', { qos: 1 });
    // Re-announcing the TD (as an agent does at start) opens the window again after the subscription.
    await again.publishAsync('agents/bridge1/things/s1/td', JSON.stringify({ td: TD }), { qos: 1 });
    await waitFor('the waiting item', () => got.includes(waitingId));
    assert.equal(gw.hub.getThing(THING).online, true);
    await again.endAsync();
  });

  it('an agent touches only its own things; others may not publish or subscribe there; a flood is refused and counted', async () => {
    const other = await connect('bridge2');
    await other.publishAsync('agents/bridge1/things/s1/properties', JSON.stringify({ temperature: 99 }), { qos: 1 });
    await other.publishAsync('agents/bridge2/things/s1/properties', JSON.stringify({ temperature: 98 }), { qos: 1 });
    await assert.rejects(other.subscribeAsync('agents/bridge1/#', { qos: 1 }), /Subscribe error/);
    assert.equal(gw.hub.readProperty(THING, 'temperature')?.value, 21.5);
    await other.endAsync();
    const op = await connect('op');
    await op.publishAsync('agents/op/things/x/td', JSON.stringify({ td: TD }), { qos: 1 });
    assert.equal(gw.hub.directory.find('urn:roost:agent:op:x'), undefined, 'an operator is no agent');
    await op.endAsync();

    const agent = await connect('bridge1');
    const burst = Array.from({ length: 400 }, (_, i) => agent.publishAsync('agents/bridge1/things/s1/properties', JSON.stringify({ temperature: i }), { qos: 0 }));
    await Promise.all(burst);
    await agent.publishAsync('agents/bridge1/things/s1/properties', JSON.stringify({ temperature: 1 }), { qos: 1 });
    const counters = gw.hub.bindingStatuses()['agent']?.counters ?? {};
    assert.ok((counters['refusedFlood'] ?? 0) > 0, JSON.stringify(counters));
    assert.ok((counters['refusedNotOwned'] ?? 0) >= 1, JSON.stringify(counters));
    await agent.endAsync();
    assert.equal((await fetch(`${gw.httpUrl}/healthz`)).status, 200, 'nothing else affected');
  });

  it('a payload nested deeper than http.maxJsonDepth is refused before it reaches the twin; the thing still reads', async () => {
    const agent = await connect('bridge2');
    const errors: Array<{ topic: string; code: string }> = [];
    agent.on('message', (topic, payload) => {
      if (topic.endsWith('/errors')) errors.push(JSON.parse(payload.toString()) as (typeof errors)[number]);
    });
    await agent.subscribeAsync('agents/bridge2/#', { qos: 1 });
    const td = { ...TD, properties: { ...TD.properties, blob: { readOnly: true, forms: [{ href: 'serial://ttyS0/blob' }] } }, events: { ...TD.events, any: { forms: [{ href: 'serial://ttyS0/any' }] } } };
    await agent.publishAsync('agents/bridge2/things/d1/td', JSON.stringify({ td }), { qos: 1 });
    const thing = 'urn:roost:agent:bridge2:d1';
    await agent.publishAsync('agents/bridge2/things/d1/properties', JSON.stringify({ blob: [[1]] }), { qos: 1 });
    // 5,000 levels parse, but JSON.stringify overflows: the twin took the value and every read of it was a 500.
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    await agent.publishAsync('agents/bridge2/things/d1/properties', `{"blob": ${deep}}`, { qos: 1 });
    await agent.publishAsync('agents/bridge2/things/d1/events/any', deep, { qos: 1 });
    await agent.publishAsync('agents/bridge2/things/d2/td', JSON.stringify({ td: { ...td, deep: 'X' } }).replace('"X"', deep), { qos: 1 });
    await waitFor('three error reports', () => errors.length >= 3);
    assert.deepEqual(errors.map((e) => e.code), ['ROOST_ERR_BAD_REQUEST', 'ROOST_ERR_BAD_REQUEST', 'ROOST_ERR_BAD_REQUEST']);
    assert.deepEqual(gw.hub.readProperty(thing, 'blob')?.value, [[1]]);
    const read = await api(`/things/${encodeURIComponent(thing)}/properties`);
    assert.equal(read.status, 200);
    assert.deepEqual(((await read.json()) as { blob: unknown }).blob, [[1]]);
    assert.equal(gw.hub.directory.find('urn:roost:agent:bridge2:d2'), undefined);
    await agent.endAsync();
  });
});

describe('agents over MQTT: a session that does not read', () => {
  let rig: AgentRig;
  // A long drain timeout keeps the stuck session for the whole test.
  before(async () => { rig = await startAgentRig({ bridge3: 'agent' }, { mqtt: { drainTimeoutMs: 60_000 } }); });
  after(() => rig.stop());

  it('error reports for its flood of refused messages do not hold the other clients of the broker', async () => {
    const url = new URL(rig.gw.mqttUrl!);
    // Session 1 subscribes to its errors and never reads again.
    const stuck: Socket = netConnect(Number(url.port), url.hostname);
    const send = (p: mqttPacket.Packet) => stuck.write(mqttPacket.generate(p));
    send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 0, clientId: 'bridge3-stuck', username: 'bridge3', password: Buffer.from(AGENT_PASSWORD) });
    send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'agents/bridge3/#', qos: 0 }] });
    await new Promise((r) => setTimeout(r, 300));
    stuck.pause();
    // Session 2 floods unknown topics of 60 kB; each refusal is reported on agents/bridge3/errors.
    const flood = await mqtt.connectAsync(rig.gw.mqttUrl!, { username: 'bridge3', password: AGENT_PASSWORD, reconnectPeriod: 0 });
    const junk = `agents/bridge3/${'x'.repeat(60_000)}`;
    for (let i = 0; i < 400; i++) flood.publish(junk, '{}', { qos: 0 });
    await new Promise((r) => setTimeout(r, 1000));
    // Any other client still gets its messages.
    const probe = await mqtt.connectAsync(rig.gw.mqttUrl!, { username: 'admin', password: TEST_ADMIN_PASSWORD, reconnectPeriod: 0 });
    await probe.subscribeAsync('probe/x', { qos: 0 });
    const got = new Promise<void>((resolve) => probe.once('message', () => resolve()));
    await probe.publishAsync('probe/x', 'p', { qos: 0 });
    await Promise.race([got, new Promise((_, reject) => setTimeout(() => reject(new Error('the broker held every publish')), 3000))]);
    const counters = rig.gw.hub.bindingStatuses()['agent']?.counters ?? {};
    assert.ok((counters['errorReportsDropped'] ?? 0) > 0, JSON.stringify(counters));
    stuck.destroy();
    await probe.endAsync();
    await flood.endAsync(true);
  });
});
