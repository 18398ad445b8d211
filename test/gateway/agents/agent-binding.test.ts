/**
 * The agent binding on a hub without sockets (in-memory database), driven the way its transports
 * drive it: sessions as AgentLinks that record what they are handed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentBinding, type AgentItem, type AgentLink } from '../../../gateway/agents/agent-binding.js';
import { injectRig, type InjectRig } from '../api/inject-rig.js';
import { SENSOR_TD } from './agent-rig.js';

class Session implements AgentLink {
  readonly items: Array<{ device: string } & AgentItem> = [];
  constructor(public ready: boolean) {}
  sendItem(device: string, item: AgentItem): void {
    this.items.push({ device, ...item });
  }
}

const S1 = 'urn:roost:agent:a1:s1';

describe('AgentBinding', () => {
  let rig: InjectRig;
  const binding = new AgentBinding({ maxThingsPerAgent: 3 });
  const counters = () => ({ ...binding.counters });
  before(async () => {
    rig = await injectRig([binding], { queue: { resultTimeoutMs: 60_000 } });
  });
  after(() => rig.close());

  it('hands items only to a session that can take them, the newest first; offline with the last session', () => {
    const early = new Session(false);
    binding.connected('a1', early);
    binding.handle('a1', ['things', 's1', 'td'], { td: SENSOR_TD });
    assert.equal(rig.hub.getThing(S1).online, true);
    const id = rig.hub.invokeAction(S1, 'calibrate', 1).id;
    assert.equal(rig.hub.getAction(id).state, 'queued', 'not handed to a session that has not subscribed');
    assert.equal(early.items.length, 0);

    early.ready = true;
    binding.linkReady('a1');
    assert.deepEqual(early.items.map((i) => [i.device, i.id, i.name, i.input]), [['s1', id, 'calibrate', 1]]);
    binding.handle('a1', ['things', 's1', 'results'], { id, state: 'completed', output: 'ok' });
    assert.equal(rig.hub.getAction(id).state, 'completed');

    const late = new Session(true);
    binding.connected('a1', late);
    const next = rig.hub.invokeAction(S1, 'calibrate', 2).id;
    assert.deepEqual(late.items.map((i) => i.id), [next]);
    assert.equal(early.items.length, 1);
    binding.disconnected('a1', late);
    assert.equal(rig.hub.getThing(S1).online, true, 'one session left');
    binding.disconnected('a1', early);
    assert.equal(rig.hub.getThing(S1).online, false);
    binding.disconnected('a1', early);
    assert.equal(binding.status().gauges?.['agentsConnected'], 0);
  });

  it('refuses values against the TD, undeclared events, foreign results and more things than allowed, counted', () => {
    const s = new Session(true);
    binding.connected('a1', s);
    const before = counters();
    binding.handle('a1', ['things', 's1', 'properties'], { values: { temperature: 20 }, ts: 1000 });
    assert.deepEqual(rig.hub.readProperty(S1, 'temperature'), { value: 20, ts: 1000, source: 'agent' });
    assert.throws(() => binding.handle('a1', ['things', 's1', 'properties'], { temperature: 21, humidity: 3 }), { code: 'ROOST_ERR_VALUE_INVALID' });
    assert.equal(rig.hub.readProperty(S1, 'temperature')?.value, 20, 'nothing of a refused message is stored');
    assert.throws(() => binding.handle('a1', ['things', 's1', 'events', 'boom'], 'x'), { code: 'ROOST_ERR_AFFORDANCE_NOT_FOUND' });
    assert.throws(() => binding.handle('a1', ['things', 's1', 'properties'], [1, 2]), { code: 'ROOST_ERR_BAD_REQUEST' });
    assert.throws(() => binding.handle('a1', ['things', 's1', 'results'], { id: 'never-handed-out', state: 'completed' }), { code: 'ROOST_ERR_FORBIDDEN' });
    assert.throws(() => binding.handle('a2', ['things', 's1', 'properties'], { temperature: 1 }), { code: 'ROOST_ERR_FORBIDDEN' });
    binding.handle('a1', ['things', 's2', 'td'], { td: SENSOR_TD });
    binding.handle('a1', ['things', 's3', 'td'], { td: SENSOR_TD });
    assert.throws(() => binding.handle('a1', ['things', 's4', 'td'], { td: SENSOR_TD }), /owns 3 things/);
    binding.handle('a1', ['things', 's3', 'td'], { td: SENSOR_TD, sleepy: true }); // replacing one is no new thing
    const after = counters();
    assert.equal(after.refusedInvalid - before.refusedInvalid, 4);
    assert.equal(after.refusedNotOwned - before.refusedNotOwned, 2);
    assert.equal(after.properties - before.properties, 1);
    binding.disconnected('a1', s);
  });

  it('a sleepy device takes items only inside the window its agent opened', () => {
    const s = new Session(true);
    binding.connected('a1', s);
    const id = rig.hub.invokeAction('urn:roost:agent:a1:s3', 'calibrate', 3).id;
    assert.equal(s.items.length, 0);
    binding.handle('a1', ['things', 's3', 'awake'], { windowMs: 5000 });
    assert.deepEqual(s.items.map((i) => [i.device, i.id]), [['s3', id]]);
    binding.handle('a1', ['things', 's3', 'asleep'], {});
    binding.disconnected('a1', s);
  });
});
