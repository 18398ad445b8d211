/**
 * An MQTT request nested deeper than 64 arrays and objects is refused as ROOST_ERR_BAD_REQUEST
 * (on its response topic when the envelope names one), as over HTTP, instead of overflowing the
 * stack of whatever walks the value next (JSON.stringify into the queue store: INTERNAL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseRequest } from '../../../gateway/mqtt/request-envelope.js';
import { actionTopic } from '../../../gateway/mqtt/topics.js';
import { RoostError } from '../../../protocols/errors.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { connect, type Rig } from './mqtt-rig.js';

const LAMP = 'urn:roost:testdev:lamp';
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('MQTT request nesting', () => {
  it('parseRequest bounds the depth of plain payloads and envelopes', () => {
    const plain = parseRequest(Buffer.from(nested(65)), 'action');
    assert.ok(plain instanceof RoostError && plain.code === 'ROOST_ERR_BAD_REQUEST');
    assert.deepEqual(parseRequest(Buffer.from(nested(64)), 'action'), { value: JSON.parse(nested(64)) as unknown });
    const env = parseRequest(Buffer.from(`{"input":${nested(5000)},"responseTopic":"replies/admin/1","correlationData":"7"}`), 'action');
    assert.ok(!(env instanceof RoostError));
    assert.equal(env.responseTopic, 'replies/admin/1');
    assert.equal(env.refused?.code, 'ROOST_ERR_BAD_REQUEST');
  });

  describe('against the broker', () => {
    let gw: TestGateway;
    let admin: Rig;
    before(async () => {
      gw = await startTestGateway({}, { extraBindings: [new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }])] });
      admin = await connect(gw.mqttUrl as string, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    });
    after(async () => {
      await admin.client.endAsync(true);
      await gw.stop();
    });

    it('a 5,000-level action input gets a BAD_REQUEST reply and nothing is queued', async () => {
      await admin.client.subscribeAsync('replies/admin/#', { qos: 1 });
      // Valid for the blink action's input schema (extra keys are allowed), so only the depth refuses it.
      const payload = `{"input":{"times":1,"extra":${nested(5000)}},"responseTopic":"replies/admin/deep"}`;
      await admin.client.publishAsync(actionTopic(LAMP, 'blink'), payload, { qos: 1 });
      const reply = (await admin.json('replies/admin/deep')) as { error?: { code: string } };
      assert.equal(reply.error?.code, 'ROOST_ERR_BAD_REQUEST');
      assert.deepEqual(gw.hub.listActions(LAMP), []);
    });
  });
});
