/**
 * An agent over each of the broker's other listeners (WebSocket at /mqtt on HTTP and HTTPS, MQTT
 * over TLS) gets the same agent semantics as over plain TCP: its thing registers, values flow, an
 * item reaches it and its answer completes the action (the HTTP invocation answers 200 with it),
 * and its going marks the thing offline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { AGENT_PASSWORD, SENSOR_TD, startAgentRig, waitFor, type AgentRig } from './agent-rig.js';

describe('agents over MQTT on WebSocket and TLS', () => {
  let rig: AgentRig;
  let op: string;
  before(async () => {
    // A long synchronous wait: the invocation's answer must be the agent's result, however slow the machine.
    rig = await startAgentRig({ bridge1: 'agent', op: 'operator' }, { tls: { enabled: true, httpsPort: 0 }, mqtt: { tlsPort: 0 }, http: { syncWaitMs: 15_000 } });
    op = await rig.login('op');
  });
  after(() => rig.stop());

  const transports: Array<[string, () => { url: string; ca?: string }]> = [
    ['ws', () => ({ url: `${rig.gw.httpUrl!.replace('http:', 'ws:')}/mqtt` })],
    ['mqtts', () => ({ url: rig.gw.mqttsUrl!, ca: rig.gw.admin.tls!.current().cert })],
    ['wss', () => ({ url: `${rig.gw.httpsUrl!.replace('https:', 'wss:')}/mqtt`, ca: rig.gw.admin.tls!.current().cert })],
  ];

  for (const [name, where] of transports) {
    it(`over ${name}`, async () => {
      const { url, ca } = where();
      assert.ok(url.startsWith(`${name}://`), url);
      const device = `via-${name}`;
      const thing = `urn:roost:agent:bridge1:${device}`;
      const agent = await mqtt.connectAsync(url, { username: 'bridge1', password: AGENT_PASSWORD, reconnectPeriod: 0, ...(ca ? { ca } : {}) });
      const items: Array<{ id: string; input: unknown }> = [];
      agent.on('message', (topic, payload) => {
        if (topic === `agents/bridge1/things/${device}/items`) items.push(JSON.parse(payload.toString()) as (typeof items)[number]);
      });
      await agent.subscribeAsync('agents/bridge1/#', { qos: 1 });
      await agent.publishAsync(`agents/bridge1/things/${device}/td`, JSON.stringify({ td: SENSOR_TD }), { qos: 1 });
      await agent.publishAsync(`agents/bridge1/things/${device}/properties`, JSON.stringify({ temperature: 20 }), { qos: 1 });
      assert.equal(rig.gw.hub.readProperty(thing, 'temperature')?.value, 20);

      const invoked = rig.api(`/things/${encodeURIComponent(thing)}/actions/calibrate`, { method: 'POST', body: '7', token: op });
      await waitFor('the item', () => items.length > 0);
      assert.equal(items[0]!.input, 7);
      await agent.publishAsync(`agents/bridge1/things/${device}/results`, JSON.stringify({ id: items[0]!.id, state: 'completed', output: name }), { qos: 1 });
      await waitFor('completed', () => rig.gw.hub.getAction(items[0]!.id).state === 'completed');
      // The HTTP invocation waited past `delivered` for the always-on agent's result: 200 with it.
      const answer = await invoked;
      assert.deepEqual([answer.status, await answer.json()], [200, name]);

      agent.stream.destroy(); // a broken connection, not a clean goodbye
      await waitFor('offline', () => !rig.gw.hub.getThing(thing).online);
      agent.end(true);
    });
  }
});
