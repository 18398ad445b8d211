/**
 * Rules in a whole gateway across a restart: a rule made over HTTP fires (an MQTT notification on
 * the gateway's broker), is still there after the gateway restarts on the same data dir with its
 * status, and fires again; with rules.enabled false it is kept but does not run. A threshold
 * already crossed stays disarmed across the restart.
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

  it('a threshold crossed before a restart does not fire again for a value still above; a changed rule starts afresh', async () => {
    const dataDir = tempDir();
    const dev = new TestDeviceBinding('testdev', [{ deviceId: 'sensor', sleepy: false }]);
    const SENSOR = dev.thingId('sensor');
    let gw: TestGateway | null = null;
    const start = async () => {
      gw = await startTestGateway({}, { dataDir, extraBindings: [dev] });
      return { g: gw, admin: await ApiClient.login(gw.httpUrl!) };
    };
    type Hot = { status: { fires: number; lastFiring: { value: number } | null } };
    /** Reports temperatures in order and waits until the rule has fired `fires` times in all. */
    const reportUntil = async (admin: ApiClient, temps: number[], fires: number): Promise<Hot['status']> => {
      for (const temperature of temps) dev.ctx?.reportProperties(SENSOR, { temperature });
      let status: Hot['status'] | undefined;
      await waitFor(`${fires} firings`, async () => ((status = (await admin.get<Hot>('/rules/hot')).body.status).fires >= fires));
      return status!;
    };
    try {
      let { g, admin } = await start();
      const rule = { id: 'hot', name: 'Hot', trigger: { type: 'threshold', thingId: SENSOR, property: 'temperature', above: 30, hysteresis: 2 }, actions: [{ type: 'event' }] };
      assert.equal((await admin.send('POST', '/rules', rule)).status, 201);
      assert.deepEqual([(await reportUntil(admin, [25, 31], 1)).lastFiring?.value], [31]);
      await g.stop();

      ({ g, admin } = await start());
      // 32 is still above: quiet. 27 re-arms, 33 fires: the second firing is 33's, not 32's.
      const s = await reportUntil(admin, [32, 27, 33], 2);
      assert.deepEqual([s.fires, s.lastFiring?.value], [2, 33]);
      // A changed rule starts afresh: 34 (above, already disarmed before the change) fires at once.
      assert.equal((await admin.send('PATCH', '/rules/hot', { name: 'Hotter' })).status, 200);
      const p = await reportUntil(admin, [34], 3);
      assert.deepEqual([p.fires, p.lastFiring?.value], [3, 34]);
    } finally {
      await (gw as TestGateway | null)?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
