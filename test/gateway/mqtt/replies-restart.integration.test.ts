/**
 * An MQTT request for a sleeping device keeps its promise across a gateway restart: the requester
 * got `queued`, the gateway stopped, and when the device wakes after the restart the final reply
 * still comes, with the request's correlation data (gateway/mqtt/pending-replies.ts).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { actionTopic } from '../../../gateway/mqtt/topics.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { connect, type Rig } from './mqtt-rig.js';

const SLEEPY = 'urn:roost:testdev:sleepy';
const CONFIG = { http: { syncWaitMs: 200 } };

describe('MQTT replies across a restart', () => {
  const dataDir = tempDir();
  const rigs: Rig[] = [];
  const gateways: TestGateway[] = [];
  after(async () => {
    await Promise.all(rigs.map((r) => r.client.endAsync(true).catch(() => undefined)));
    for (const g of gateways) await g.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (): Promise<{ gw: TestGateway; dev: TestDeviceBinding; rig: Rig }> => {
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 'sleepy', sleepy: true }]);
    const gw = await startTestGateway(CONFIG, { extraBindings: [dev], dataDir });
    gateways.push(gw);
    const rig = await connect(gw.mqttUrl!, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    rigs.push(rig);
    await rig.client.subscribeAsync('replies/r/#', { qos: 1 });
    return { gw, dev, rig };
  };

  it('the final reply of a request queued before the restart comes when the device wakes after it', async () => {
    const first = await start();
    await first.rig.client.publishAsync(actionTopic(SLEEPY, 'reset'), JSON.stringify({ responseTopic: 'replies/r/1', correlationData: { k: 'v' } }), { qos: 1 });
    const queued = await first.rig.json('replies/r/1') as { state: string; action: { id: string } };
    assert.equal(queued.state, 'queued');
    await first.rig.client.endAsync(true);
    await first.gw.stop();

    const second = await start();
    second.dev.ctx?.awake(SLEEPY);
    const final = await second.rig.json('replies/r/1', 10_000);
    assert.deepEqual(final, { correlationData: { k: 'v' }, actionId: queued.action.id, state: 'completed', output: { done: 'reset' } });
    assert.deepEqual(second.dev.delivered.map((i) => i.name), ['reset']);
  });
});
