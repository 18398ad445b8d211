/**
 * Rules in a whole gateway across a restart: a rule made over HTTP fires (an MQTT notification on
 * the gateway's broker), is still there after the gateway restarts on the same data dir with its
 * status, and fires again; with rules.enabled false it is kept but does not run.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { ApiClient } from '../../helpers/api-client.js';
import { startTestGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { waitFor } from '../agents/agent-rig.js';
import { connect } from '../mqtt/mqtt-rig.js';

type Status = { fires: number; lastFiring: { reason: string } | null };

describe('rules across a gateway restart', { timeout: 60_000 }, () => {
  it('kept with their status, and running again; not running with rules.enabled false', async () => {
    const dataDir = tempDir();
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 'sensor', sleepy: false }]);
    const SENSOR = dev.thingId('sensor');
    let gw: TestGateway | null = null;
    const start = async (rules: Record<string, unknown> = {}) => {
      gw = await startTestGateway({ rules }, { dataDir, extraBindings: [dev] });
      return { gw, admin: await ApiClient.login(gw.httpUrl!) };
    };
    const pressAndWait = async (g: TestGateway, admin: ApiClient, fires: number) => {
      const mq = await connect(g.mqttUrl!, { username: 'admin', password: admin.bearer });
      await mq.client.subscribeAsync('gateway/notifications/#', { qos: 1 });
      dev.ctx?.emitEvent(SENSOR, 'button', `press ${fires}`);
      const n = await mq.json('gateway/notifications/button') as { value: string; kind: string };
      assert.deepEqual([n.kind, n.value], ['event', `press ${fires}`]);
      await waitFor('the status', async () => (await admin.get<{ status: Status }>('/rules/button')).body.status.fires === fires);
      await mq.client.endAsync();
    };
    try {
      let { gw: g, admin } = await start();
      const made = await admin.send('POST', '/rules', { id: 'button', name: 'Button', trigger: { type: 'event', thingId: SENSOR, event: 'button' }, actions: [{ type: 'mqtt' }] });
      assert.equal(made.status, 201);
      await pressAndWait(g, admin, 1);
      await g.stop();

      ({ gw: g, admin } = await start());
      const kept = (await admin.get<{ name: string; status: Status }>('/rules/button')).body;
      assert.deepEqual([kept.name, kept.status.fires, kept.status.lastFiring?.reason], ['Button', 1, `event button of ${SENSOR}`]);
      await pressAndWait(g, admin, 2);
      await g.stop();

      ({ gw: g, admin } = await start({ enabled: false }));
      dev.ctx?.emitEvent(SENSOR, 'button', 'ignored');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await admin.get<{ status: Status }>('/rules/button')).body.status.fires, 2);
      const metrics = (await admin.get<string>('/metrics')).body;
      assert.match(metrics, /^roost_rules 1$/m);
      assert.match(metrics, /^roost_rules_running 0$/m);
    } finally {
      await (gw as TestGateway | null)?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
