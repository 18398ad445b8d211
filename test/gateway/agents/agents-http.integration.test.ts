import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SENSOR_TD, startAgentRig, waitFor, type AgentRig } from './agent-rig.js';

const S1 = 'urn:roost:agent:bridge1:s1';
const S2 = 'urn:roost:agent:bridge1:s2';
interface Item { device: string; id: string; kind: string; name: string; input: unknown; attempt: number }

describe('agents over HTTP', () => {
  let rig: AgentRig;
  let bridge1: string;
  let bridge2: string;
  let op: string;
  const post = (path: string, body: unknown, token = bridge1) => rig.api(path, { method: 'POST', body: JSON.stringify(body), token });
  const poll = async (waitMs: number, token = bridge1): Promise<Item[]> => {
    const r = await rig.api(`/agents/bridge1/items?waitMs=${waitMs}`, { token });
    assert.equal(r.status, 200);
    return ((await r.json()) as { items: Item[] }).items;
  };
  const invoke = (thing: string, input: unknown) => rig.api(`/things/${encodeURIComponent(thing)}/actions/calibrate`, { method: 'POST', body: JSON.stringify(input), token: op });

  before(async () => {
    rig = await startAgentRig({ bridge1: 'agent', bridge2: 'agent', op: 'operator' }, {
      queue: { resultTimeoutMs: 300 },
      http: { syncWaitMs: 100 },
      bindings: { agent: { httpSessionTimeoutMs: 600, maxPollWaitMs: 2000, maxMessagesPerSecond: 30 } },
    });
    bridge1 = await rig.login('bridge1');
    bridge2 = await rig.login('bridge2');
    op = await rig.login('op');
  });
  after(() => rig.stop());

  it('registers things, reports values and events, takes items by long poll and answers them (at least once, same id)', async () => {
    const reg = await post('/agents/bridge1/things/s1/td', { td: SENSOR_TD });
    assert.equal(reg.status, 200);
    assert.deepEqual(await reg.json(), { id: S1 });
    assert.equal(rig.gw.hub.getThing(S1).online, true);
    assert.equal((await post('/agents/bridge1/things/s1/properties', { temperature: 21.5 })).status, 204);
    assert.equal((await post('/agents/bridge1/things/s1/events/alarm', 'hot')).status, 204);
    assert.equal(rig.gw.hub.readProperty(S1, 'temperature')?.value, 21.5);

    const invoked = invoke(S1, 0.5);
    const first = await poll(2000);
    assert.equal(first.length, 1);
    assert.deepEqual({ device: first[0]!.device, kind: first[0]!.kind, name: first[0]!.name, input: first[0]!.input }, { device: 's1', kind: 'action', name: 'calibrate', input: 0.5 });
    // No result within queue.resultTimeoutMs: the same id comes again.
    const again = await poll(2000);
    assert.equal(again[0]?.id, first[0]!.id);
    assert.ok(again[0]!.attempt > first[0]!.attempt);
    assert.equal((await post('/agents/bridge1/things/s1/results', { id: first[0]!.id, state: 'completed', output: 'ok' })).status, 204);
    await waitFor('completed', () => rig.gw.hub.getAction(first[0]!.id).state === 'completed');
    assert.ok([200, 202].includes((await invoked).status));
  });

  it('a sleepy device gets its items only inside the awake window it declared', async () => {
    assert.equal((await post('/agents/bridge1/things/s2/td', { td: SENSOR_TD, sleepy: true })).status, 200);
    const r = await invoke(S2, 2);
    assert.equal(r.status, 202);
    const id = ((await r.json()) as { id: string }).id;
    assert.deepEqual(await poll(300), []);
    assert.equal(rig.gw.hub.getAction(id).state, 'queued');
    assert.equal((await post('/agents/bridge1/things/s2/awake', { windowMs: 5000 })).status, 204);
    const items = await poll(2000);
    assert.deepEqual(items.map((i) => [i.device, i.id]), [['s2', id]]);
    assert.equal((await post('/agents/bridge1/things/s2/results', { id, state: 'failed', error: 'out of range' })).status, 204);
    await waitFor('failed', () => rig.gw.hub.getAction(id).state === 'failed');
    assert.equal((await post('/agents/bridge1/things/s2/asleep', {})).status, 204);
  });

  it('an agent that stops polling goes offline after httpSessionTimeoutMs; its queue waits until it is back', async () => {
    await waitFor('offline', () => !rig.gw.hub.getThing(S1).online, 3000);
    const r = await invoke(S1, 3);
    assert.equal(r.status, 202);
    const id = ((await r.json()) as { id: string }).id;
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(rig.gw.hub.getAction(id).state, 'queued');
    // Back: its first request reconnects it, re-announcing the TD opens the window, the item comes.
    assert.equal((await post('/agents/bridge1/things/s1/td', { td: SENSOR_TD })).status, 200);
    assert.equal(rig.gw.hub.getThing(S1).online, true);
    const items = await poll(2000);
    assert.deepEqual(items.map((i) => i.id), [id]);
    assert.equal((await post('/agents/bridge1/things/s1/results', { id, state: 'completed' })).status, 204);
    // A long poll keeps it connected beyond httpSessionTimeoutMs.
    assert.deepEqual(await poll(1000), []);
    assert.equal(rig.gw.hub.getThing(S1).online, true);
  });

  it('refuses bad input with a problem and a counter, and nothing else is affected', async () => {
    const code = async (r: Response) => [r.status, ((await r.json()) as { code: string }).code];
    const before = { ...rig.gw.hub.bindingStatuses()['agent']!.counters };
    assert.deepEqual(await code(await post('/agents/bridge1/things/s1/properties', { temperature: 'warm' })), [400, 'ROOST_ERR_VALUE_INVALID']);
    assert.deepEqual(await code(await post('/agents/bridge1/things/s1/properties', { humidity: 40 })), [400, 'ROOST_ERR_VALUE_INVALID']);
    assert.deepEqual(await code(await post('/agents/bridge1/things/s1/events/explosion', 'boom')), [404, 'ROOST_ERR_AFFORDANCE_NOT_FOUND']);
    assert.deepEqual(await code(await post('/agents/bridge1/things/s3/td', { td: { title: 'no context' } })), [400, 'ROOST_ERR_TD_INVALID']);
    assert.deepEqual(await code(await post('/agents/bridge1/things/s1/colour', {})), [400, 'ROOST_ERR_BAD_REQUEST']);
    assert.equal(rig.gw.hub.readProperty(S1, 'temperature')?.value, 21.5);
    assert.equal(rig.gw.hub.directory.find('urn:roost:agent:bridge1:s3'), undefined);

    // Another agent: not under bridge1's path, not on its own path for a thing it does not own,
    // and not with the id of an item handed to bridge1.
    assert.deepEqual(await code(await post('/agents/bridge1/things/s1/properties', { temperature: 99 }, bridge2)), [403, 'ROOST_ERR_FORBIDDEN']);
    assert.equal((await rig.api('/agents/bridge1/items', { token: bridge2 })).status, 403);
    assert.deepEqual(await code(await post('/agents/bridge2/things/s1/properties', { temperature: 98 }, bridge2)), [403, 'ROOST_ERR_FORBIDDEN']);
    assert.equal((await post('/agents/bridge2/things/x/td', { td: SENSOR_TD }, bridge2)).status, 200);
    const r = await invoke(S2, 4);
    const id = ((await r.json()) as { id: string }).id;
    await post('/agents/bridge1/things/s2/awake', {});
    assert.deepEqual((await poll(2000)).map((i) => i.id), [id]);
    assert.deepEqual(await code(await post('/agents/bridge2/things/x/results', { id, state: 'completed' }, bridge2)), [403, 'ROOST_ERR_FORBIDDEN']);
    assert.deepEqual(await code(await post('/agents/bridge1/things/s1/results', { id, state: 'completed' })), [403, 'ROOST_ERR_FORBIDDEN'], 'an item of s2 is no result of s1');
    assert.notEqual(rig.gw.hub.getAction(id).state, 'completed');
    assert.equal(rig.gw.hub.readProperty(S1, 'temperature')?.value, 21.5);
    // A user that is no agent.
    assert.equal((await post('/agents/op/things/y/td', { td: SENSOR_TD }, op)).status, 403);

    const after = rig.gw.hub.bindingStatuses()['agent']!.counters;
    assert.equal(after['refusedInvalid']! - before['refusedInvalid']!, 5);
    assert.equal(after['refusedNotOwned']! - before['refusedNotOwned']!, 5);
  });

  it('a flood is refused (429) and counted; the agent and the gateway go on', async () => {
    // Bursts until the limit bites (a loaded machine may spread one burst over seconds).
    const statuses: number[] = [];
    for (let burst = 0; burst < 20 && !statuses.includes(429); burst++) {
      statuses.push(...await Promise.all(Array.from({ length: 60 }, () => post('/agents/bridge2/things/x/properties', { temperature: 1 }, bridge2).then((r) => r.status))));
    }
    assert.ok(statuses.includes(429), 'some refused');
    assert.ok(statuses.includes(204), 'some taken');
    assert.ok(rig.gw.hub.bindingStatuses()['agent']!.counters['refusedFlood']! > 0);
    assert.equal((await post('/agents/bridge1/things/s1/properties', { temperature: 22 })).status, 204, 'another agent is not limited');
    await new Promise((res) => setTimeout(res, 1100));
    assert.equal((await post('/agents/bridge2/things/x/properties', { temperature: 2 }, bridge2)).status, 204);
    assert.equal((await fetch(`${rig.gw.httpUrl}/healthz`)).status, 200);
  });
});
