/**
 * Zigbee devices in a fleet scenario, end to end: 100 devices of three real models through one
 * emulated ZNP coordinator, real zigbee-herdsman and converters in the gateway (this process).
 * The fleet opens joining through the hub (the coordinator's permitJoin action), every device
 * is interviewed and identified, its reports arrive in history, and identify commands queued
 * for sleeping door sensors reach them exactly once when they wake.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEVICE_KINDS } from '../../../../firmware-sim/fleet/device-kinds.js';
import { runSession } from '../../../../firmware-sim/fleet/fleet-session.js';
import { summarize } from '../../../../firmware-sim/fleet/report.js';
import { parseScenario } from '../../../../firmware-sim/fleet/scenario.js';
import { verifyRun, type Verification } from '../../../../firmware-sim/fleet/verify.js';
import { fleetGateway, hubHistory } from '../fleet-gateway.js';

const SCENARIO = `
name: zigbee
seed: 3
durationS: 60
speed: 0
tickMs: 5000
settleS: 20
devices:
  - kind: zigbee-th-sensor
    count: 40
    idPrefix: th
    wakeIntervalS: 20
    wakeJitterS: 4
    options: { listenMs: 200 }
    readings:
      temperature: { generator: random-walk, start: 21, stepMax: 0.3 }
      humidity: { generator: sine, mean: 50, amplitude: 8, periodS: 300 }
  - kind: zigbee-plug
    count: 40
    idPrefix: plug
    wakeIntervalS: 15
    readings: { power: { generator: random-walk, start: 60, stepMax: 20, min: 0, max: 2300, decimals: 0 } }
  - kind: zigbee-door-sensor
    count: 20
    idPrefix: door
    wakeIntervalS: 20
    # A longer poll window than the default 1 s: the whole suite loads the machine.
    options: { listenMs: 1500 }
actions:
  - { atS: 5, device: door-0, action: identify, repeatEveryS: 20, repeatCount: 3 }
  - { atS: 12, device: door-7, action: identify }
  - { atS: 30, device: door-19, action: identify }
`;

describe('Zigbee kinds in a fleet scenario', () => {
  it('100 devices through one emulated coordinator: joined, identified, reports in history, actions exactly once', async () => {
    const fg = fleetGateway({ bindings: { zigbee: { configureRetryDelayMs: 200 } } });
    try {
      const scenario = parseScenario(SCENARIO, { kinds: DEVICE_KINDS });
      const t0 = performance.now();
      const { runner, report } = await runSession({ scenario, connect: (n) => fg.connect(n), recordReadings: true });
      const gw = fg.gw!;
      // Reports are converted on their way through herdsman: let the last ones land.
      let v: Verification = await verifyRun(runner, hubHistory(gw));
      for (let i = 0; i < 40 && !v.ok; i++, await sleep(100)) v = await verifyRun(runner, hubHistory(gw));
      if (process.env['FLEET_TEST_PRINT']) console.log(`${summarize(report)}\nwall ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB`);
      assert.ok(v.ok, v.problems.join('\n'));
      assert.equal(report.devices, 100);
      for (const k of Object.values(report.kinds)) assert.equal(k.errors, 0);
      assert.ok(v.readingsChecked > 300, `${v.readingsChecked} readings checked`);
      assert.deepEqual(report.actions, { sent: 5, refused: 0, deliveredOnce: 5, deliveredTwiceOrMore: 0, notDelivered: 0, unexpected: 0, states: { completed: 5 } });
      const z = gw.hub.bindingStatuses()['zigbee']!;
      assert.equal(z.counters['interviewsSucceeded'], 100);
      assert.equal(z.gauges?.['devices'], 100);
      const door = report.kinds['zigbee-door-sensor'];
      assert.ok(door?.energy && door.traffic.datagramsDown > 0, 'a door sensor hears the interview, configure and its identify commands');
    } finally {
      await fg.gw?.stop();
    }
  });
});
