/**
 * The demo scenario end to end against a real gateway (CoAP, serial over socat pseudo-terminals,
 * BLE on the simulated radio, Zigbee through the emulated coordinator and real herdsman), flat
 * out instead of in real time: every action and property write the scenario sends reaches its
 * device exactly once and ends `completed`, and every reading the gateway acknowledged is in
 * its history, with the scenario's faults (loss, duplication, reordering, reboots, drift, a
 * depleted battery) on. The fleet runs in-process beside the gateway, so actions and history go
 * through the hub itself; `roost fleet` sends them through the HTTP API (hub-client.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEVICE_KINDS } from '../../firmware-sim/fleet/device-kinds.js';
import { runSession } from '../../firmware-sim/fleet/fleet-session.js';
import { loadScenario } from '../../firmware-sim/fleet/scenario.js';
import { verifyRun } from '../../firmware-sim/fleet/verify.js';
import { summarize } from '../../firmware-sim/fleet/report.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { admitFleet, DEMO_SCENARIO, demoBindingModules, demoConfig } from '../../cli/commands/demo.js';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../helpers/gateway.js';
import { hubActions, hubHistory } from '../firmware-sim/fleet/fleet-gateway.js';

describe('demo scenario end to end', () => {
  it('every action and write exactly once, every acknowledged reading in history', async () => {
    let gw: TestGateway | null = null;
    try {
      const scenario = { ...loadScenario(DEMO_SCENARIO, DEVICE_KINDS), speed: 0 };
      const { runner, report } = await runSession({
        scenario,
        recordReadings: true,
        connect: async (needs) => {
          const config = demoConfig(TEST_ADMIN_PASSWORD, { bindings: { coap: { host: '127.0.0.1', port: 0 } } }, needs);
          const modules = demoBindingModules(needs);
          gw = await startTestGateway(config, modules ? { bindingModules: modules } : {});
          admitFleet(gw, needs);
          const g = gw;
          const at = (g.binding('coap') as unknown as { listening: { address: string; port: number } }).listening;
          return { gateway: { host: at.address, coapPort: at.port }, actions: hubActions(g) };
        },
      });
      const g = gw as TestGateway | null;
      assert.ok(g);
      // Zigbee reports are converted on their way through herdsman: let the last ones land.
      let v = await verifyRun(runner, hubHistory(g));
      for (let i = 0; i < 30 && v.readingsMissing > 0; i++, await sleep(100)) v = await verifyRun(runner, hubHistory(g));
      if (process.env['FLEET_TEST_PRINT']) console.log(summarize(report));
      assert.ok(v.ok, v.problems.join('\n'));
      assert.equal(v.actionsChecked, 96, '75 actions and 21 writes');
      assert.ok(v.readingsChecked > 1400, `${v.readingsChecked} readings checked`);
      assert.deepEqual(report.actions, { sent: 75, refused: 0, deliveredOnce: 75, deliveredTwiceOrMore: 0, notDelivered: 0, unexpected: 0, states: { completed: 75 } });
      assert.deepEqual(report.writes, { sent: 21, refused: 0, deliveredOnce: 21, deliveredTwiceOrMore: 0, notDelivered: 0, superseded: 0, states: { completed: 21 } });
      assert.equal(report.devices, 28);
      for (const kind of ['zigbee-th-sensor', 'zigbee-plug', 'zigbee-door-sensor']) assert.ok((report.kinds[kind]?.readingsSent ?? 0) > 0 || kind === 'zigbee-door-sensor', kind);
      assert.equal(report.kinds['zigbee-door-sensor']?.devices, 1);
      // Only acknowledged readings are checked against history: every reading must have been acknowledged.
      for (const [kind, k] of Object.entries(report.kinds)) {
        assert.equal(k.errors, 0, `${kind}: wakes that failed`);
        assert.equal(k.readingsAcknowledged, k.readingsSent, `${kind}: readings the gateway did not acknowledge`);
      }
      // A hub's readings go to each of its unit things.
      const expected = runner.devices.reduce((n, d) => n + d.readingsSent * (d.model.thingIds?.length ?? 1), 0);
      assert.equal(v.readingsChecked, expected, 'every reading sent is checked in history');
      const f = report.faults;
      assert.ok(f.lost > 0 && f.duplicated > 0 && f.reordered > 0 && f.reboots > 0 && f.depleted > 0, JSON.stringify(f));
      const sensors = report.kinds['coap-sleepy-sensor']?.energy;
      assert.ok(sensors && sensors.batteryLifeDays > 365, 'a sensor waking every ~10 s lasts years on two AA cells');
    } finally {
      await (gw as TestGateway | null)?.stop();
    }
  });
});
