/**
 * A TypeScript agent built on agent-client/ against a real test gateway: its things register,
 * values and events flow, an action and a property write invoked through the HTTP API reach its
 * handler once each (a resend of a late result runs nothing again), a sleepy device takes its item
 * only when awake, refusals come back to it, and a lost connection is mended by itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentClient, type AgentError, type AgentItem } from '../../agent-client/index.js';
import { AGENT_PASSWORD, SENSOR_TD, startAgentRig, waitFor, type AgentRig } from '../gateway/agents/agent-rig.js';

const TD = { ...SENSOR_TD, properties: { ...SENSOR_TD.properties, interval: { type: 'integer', minimum: 1, forms: [{ href: 'serial://ttyS0/interval' }] } } };
const S1 = 'urn:roost:agent:ts-agent:s1';
const S2 = 'urn:roost:agent:ts-agent:s2';

describe('agent-client against a test gateway', () => {
  let rig: AgentRig;
  let op: string;
  let agent: AgentClient;
  const runs: AgentItem[] = [];
  const errors: AgentError[] = [];
  const invoke = (thing: string, path: string, body: unknown, method = 'POST') =>
    rig.api(`/things/${encodeURIComponent(thing)}/${path}`, { method, body: JSON.stringify(body), token: op });
  /** The final state of the item an invocation or write queued (200/204 when the agent answered within http.syncWaitMs, else 202). */
  const settled = async (r: Response): Promise<{ state: string; output?: unknown; error?: string }> => {
    assert.ok([200, 202, 204].includes(r.status), String(r.status));
    const id = r.headers.get('location')!.split('/').pop()!;
    await waitFor('a final state', () => ['completed', 'failed'].includes(rig.gw.hub.getAction(id).state));
    return rig.gw.hub.getAction(id) as { state: string; output?: unknown; error?: string };
  };

  before(async () => {
    rig = await startAgentRig({ 'ts-agent': 'agent', 'gone-agent': 'agent', op: 'operator' }, { queue: { resultTimeoutMs: 300 }, http: { syncWaitMs: 100 }, mqtt: { authCheckIntervalMs: 100 } });
    op = await rig.login('op');
    agent = await AgentClient.connect({ url: rig.gw.mqttUrl!, username: 'ts-agent', password: AGENT_PASSWORD, reconnectPeriodMs: 100 });
    agent.onError((e) => errors.push(e));
    agent.onItem(async (item) => {
      runs.push(item);
      if (item.name === 'calibrate' && item.input === 9) throw new Error('out of range');
      // The first calibration takes longer than the result timeout: the gateway sends it again.
      if (item.name === 'calibrate' && item.input === 1) await new Promise((r) => setTimeout(r, 700));
      return item.kind === 'action' ? { calibrated: item.input } : undefined;
    });
  });
  after(async () => {
    await agent.close();
    await rig.stop();
  });

  it('registers, reports and answers an action once even when it is sent again', async () => {
    await agent.registerThing('s1', TD);
    await agent.reportProperty('s1', 'temperature', 19.5);
    await agent.emitEvent('s1', 'alarm', 'cold');
    assert.equal(rig.gw.hub.getThing(S1).online, true);
    assert.equal(rig.gw.hub.readProperty(S1, 'temperature')?.value, 19.5);

    const done = await settled(await invoke(S1, 'actions/calibrate', 1));
    assert.deepEqual([done.state, done.output], ['completed', { calibrated: 1 }]);
    const calibrations = runs.filter((i) => i.name === 'calibrate');
    assert.equal(calibrations.length, 1, 'the resent id ran once');

    const status = await settled(await invoke(S1, 'actions/calibrate', 9));
    assert.equal(status.state, 'failed');
    assert.match(String(status.error), /out of range/);
  });

  it('takes a property write; the written value becomes the twin', async () => {
    assert.equal((await settled(await invoke(S1, 'properties/interval', 30, 'PUT'))).state, 'completed');
    await waitFor('the write', () => rig.gw.hub.readProperty(S1, 'interval')?.value === 30);
    assert.ok(runs.some((i) => i.kind === 'write' && i.name === 'interval' && i.input === 30));
  });

  it('a sleepy device takes its item once awake; refusals reach onError', async () => {
    await agent.registerThing('s2', TD, { sleepy: true });
    const r = await invoke(S2, 'actions/calibrate', 2);
    const id = ((await r.json()) as { id: string }).id;
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(rig.gw.hub.getAction(id).state, 'queued');
    await agent.setAwake('s2', 2000);
    await waitFor('completed', () => rig.gw.hub.getAction(id).state === 'completed');
    await agent.setAsleep('s2');

    await agent.reportProperty('s1', 'temperature', 'warm');
    await waitFor('an error', () => errors.length > 0);
    assert.equal(errors[0]!.code, 'ROOST_ERR_VALUE_INVALID');
    await assert.rejects(agent.registerThing('bad/name', TD), /device name/);
  });

  it('a refused login fails connect()', async () => {
    await assert.rejects(AgentClient.connect({ url: rig.gw.mqttUrl!, username: 'ts-agent', password: 'not-the-password', reconnectPeriodMs: 0 }), /Not authorized|Bad username or password/);
  });

  it('an agent whose user is removed is cut off; the refused reconnections reach onConnectionError', async () => {
    const gone = await AgentClient.connect({ url: rig.gw.mqttUrl!, username: 'gone-agent', password: AGENT_PASSWORD, reconnectPeriodMs: 100 });
    const refused: Error[] = [];
    gone.onConnectionError((err) => refused.push(err));
    await gone.registerThing('g1', TD);
    assert.equal(rig.gw.hub.getThing('urn:roost:agent:gone-agent:g1').online, true);
    assert.equal((await rig.api('/users/gone-agent', { method: 'DELETE' })).status, 204);
    await waitFor('offline', () => !rig.gw.hub.getThing('urn:roost:agent:gone-agent:g1').online);
    await waitFor('a refused reconnection', () => refused.length > 0);
    assert.match(refused[0]!.message, /Not authorized|Bad username or password/);
    await gone.close();
  });

  it('mends a lost connection: registers again and takes what waited', async () => {
    (agent as unknown as { mqtt: { stream: { destroy(): void } } }).mqtt.stream.destroy();
    await waitFor('offline', () => !rig.gw.hub.getThing(S1).online);
    const r = await invoke(S1, 'actions/calibrate', 3);
    await waitFor('back online', () => rig.gw.hub.getThing(S1).online, 5000);
    assert.deepEqual((await settled(r)).output, { calibrated: 3 });
  });
});
