import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
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
});
