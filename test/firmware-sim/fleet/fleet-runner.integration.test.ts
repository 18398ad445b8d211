/**
 * The fleet runner against a real gateway (CoAP binding on 127.0.0.1 port 0): the same seed
 * gives the same report, another seed another one; every action and property write reaches its
 * device exactly once (a sleepy one at its next wake: that is its latency) and every
 * acknowledged reading is in history, with all fault kinds switched on; the CoAP devices speak
 * OSCORE to a gateway that requires it.
 * Actions go to the hub in-process here; test/cli/fleet.integration.test.ts sends them
 * through the HTTP API.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ActionClient } from '../../../firmware-sim/fleet/action-client.js';
import { DEVICE_KINDS } from '../../../firmware-sim/fleet/device-kinds.js';
import type { GatewayNeeds } from '../../../firmware-sim/fleet/device-model.js';
import { manifestFromJson } from '../../../gateway/onboarding/manifest.js';
import { runSession } from '../../../firmware-sim/fleet/fleet-session.js';
import { deterministicPart, summarize } from '../../../firmware-sim/fleet/report.js';
import { parseScenario, type Scenario } from '../../../firmware-sim/fleet/scenario.js';
import { verifyRun } from '../../../firmware-sim/fleet/verify.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

const SCENARIO = `
name: faulty
durationS: 240
speed: 0
settleS: 10
devices:
  - kind: coap-sleepy-sensor
    count: 8
    idPrefix: s
    wakeIntervalS: 10
    wakeJitterS: 3
    readings: { temp: { generator: random-walk, start: 21, stepMax: 0.4 } }
  - kind: coap-actuator
    count: 2
    idPrefix: lamp
    wakeIntervalS: 7
    readings: { temp: { generator: sine, mean: 20, amplitude: 3, periodS: 120, noise: 0.2 } }
actions:
  - { atS: 5, device: s-1, action: blink, input: { times: 2 }, repeatEveryS: 30, repeatCount: 6 }
  - { atS: 9, device: lamp-0, action: blink, input: { times: 1 }, repeatEveryS: 20, repeatCount: 8 }
  - { atS: 50, device: s-6, action: blink, input: { times: 4 } }
writes:
  - { atS: 12, device: s-3, property: interval, value: 60, repeatEveryS: 45, repeatCount: 4 }
  - { atS: 70, device: s-5, property: interval, value: 15 }
faults:
  loss: 0.08
  duplication: 0.08
  reorder: 0.08
  rebootPerWake: 0.03
  clockDriftPpm: 100
  # OSCORE costs charge: 0.0024 mAh lasts the nearly empty sensors past the last actions sent to them, and no further than the end.
  batteryDepletion: { fraction: 0.25, remainingMah: 0.0024 }
`;

function scenario(seed: number): Scenario {
  return { ...parseScenario(SCENARIO, { kinds: DEVICE_KINDS }), seed };
}

export function hubActions(gw: TestGateway): ActionClient {
  return {
    invoke: (thingId, action, input) => Promise.resolve(gw.hub.invokeAction(thingId, action, input)),
    status: (id) => Promise.resolve(gw.hub.getAction(id)),
    write: (thingId, property, value) => Promise.resolve(gw.hub.writeProperty(thingId, property, value)),
  };
}

/** The devices speak OSCORE (the scenario's default): the gateway requires it and imports the fleet's manifest. */
async function runOnFreshGateway(s: Scenario) {
  const gw = await startTestGateway({
    onboarding: { defaultPolicy: 'open', policy: { coap: 'manifest' } },
    bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, registrationsPerMinutePerAddress: 100000, security: 'required' } },
  });
  try {
    const at = (gw.binding('coap') as unknown as { listening: { address: string; port: number } }).listening;
    const connect = (needs: GatewayNeeds) => {
      gw.hub.onboarding.importManifest(manifestFromJson(needs.coap?.manifest ?? []));
      return Promise.resolve({ gateway: { host: at.address, coapPort: at.port }, actions: hubActions(gw) });
    };
    const result = await runSession({ scenario: s, connect, recordReadings: true });
    const verification = await verifyRun(result.runner, (thingId, name) => Promise.resolve(gw.hub.history({ thingId, name, limit: 10000 }).map((r) => r.value)));
    return { ...result, verification };
  } finally {
    await gw.stop();
  }
}

describe('fleet runner against a real gateway', () => {
  it('same seed, same report; every action exactly once, every acknowledged reading in history', async () => {
    const a = await runOnFreshGateway(scenario(11));
    const b = await runOnFreshGateway(scenario(11));
    assert.deepEqual(deterministicPart(a.report), deterministicPart(b.report));
    for (const r of [a, b]) {
      assert.ok(r.verification.ok, r.verification.problems.join('\n'));
      assert.equal(r.verification.actionsChecked, 20, '15 actions and 5 writes');
      assert.ok(r.verification.readingsChecked > 150, `${r.verification.readingsChecked} readings checked`);
    }
    if (process.env["FLEET_TEST_PRINT"]) console.log(summarize(a.report));
    const f = a.report.faults;
    assert.ok(f.lost > 0 && f.duplicated > 0 && f.reordered > 0 && f.reboots > 0 && f.depleted > 0, JSON.stringify(f));
    assert.equal(a.report.actions.deliveredOnce, 15);
    assert.deepEqual(a.report.actions.states, { completed: 15 });
    assert.deepEqual(a.report.writes, { sent: 5, refused: 0, deliveredOnce: 5, deliveredTwiceOrMore: 0, notDelivered: 0, superseded: 0, states: { completed: 5 } });
    // A sleepy sensor runs what was queued for it at its next wake (10 ± 3 s apart, drift aside); a lamp at once.
    const inv = a.report.invocations;
    assert.equal(inv.length, 20);
    for (const i of inv.filter((x) => x.kind === 'coap-sleepy-sensor')) assert.ok(i.latencyS !== null && i.latencyS > 0 && i.latencyS <= 13.1, JSON.stringify(i));
    for (const i of inv.filter((x) => x.kind === 'coap-actuator')) assert.equal(i.latencyS, 0, JSON.stringify(i));
    assert.ok(inv.some((i) => i.type === 'write' && i.name === 'interval' && i.device === 's-5'));
    assert.equal(a.report.measured.latencyWallMs?.count, 20);
    const sensors = a.report.kinds['coap-sleepy-sensor'];
    assert.ok(sensors?.energy && sensors.energy.batteryLifeDays > 0 && Number.isFinite(sensors.energy.batteryLifeDays));
    assert.ok(sensors.energy.radioOnMsPerWake > 23, 'start-up and rx window at least');
    // OSCORE's cost beside plain CoAP, in the same report: <= 15 bytes per message (issue 14).
    const o = sensors.oscore;
    assert.ok(o?.perWake && o.plainPerWake && o.radioTimeRatio, JSON.stringify(o));
    assert.ok(o.overheadBytesPerMessage > 10 && o.overheadBytesPerMessage <= 15, JSON.stringify(o));
    assert.ok(o.echoRoundTrips >= 8, 'one Echo round trip per sensor after the gateway start');
    assert.ok(o.perWake.bytesUp > o.plainPerWake.bytesUp && o.radioTimeRatio > 1, JSON.stringify(o));
    assert.ok(a.report.kinds['coap-actuator']?.oscore?.messages, 'the lamps registered protected');
  });

  it('another seed gives another report', async () => {
    const a = await runOnFreshGateway({ ...scenario(12), durationS: 60, actions: [] });
    const b = await runOnFreshGateway({ ...scenario(13), durationS: 60, actions: [] });
    assert.notDeepEqual(deterministicPart(a.report).perDevice, deterministicPart(b.report).perDevice);
  });
});
