/**
 * A simulated fleet enrolling by key (`security: edhoc`) against a real gateway over real UDP on
 * 127.0.0.1: the gateway pre-approves the devices from the fleet's manifest of public key
 * fingerprints (onboarding policy `manifest`), every device enrols with EDHOC (suites 0 and 2 in
 * turn), its readings then flow over OSCORE into history, devices that reboot (the fault) enrol
 * again and keep reporting, and the report carries the enrolment's round trips, bytes and charge.
 * Without the manifest (policy approve) the devices are pending under their keys' fingerprints
 * until an admin approves them; they then enrol at their next wake.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoapBinding } from '../../../bindings/coap/coap-binding.js';
import { fleetCredentials } from '../../../firmware-sim/fleet/credentials.js';
import { DEVICE_KINDS } from '../../../firmware-sim/fleet/device-kinds.js';
import { FleetRunner } from '../../../firmware-sim/fleet/fleet-runner.js';
import { runSession } from '../../../firmware-sim/fleet/fleet-session.js';
import { buildReport, summarize } from '../../../firmware-sim/fleet/report.js';
import { parseScenario } from '../../../firmware-sim/fleet/scenario.js';
import { verifyRun } from '../../../firmware-sim/fleet/verify.js';
import { fleetGateway, hubHistory } from './fleet-gateway.js';

const SCENARIO = `
name: edhoc
durationS: 120
speed: 0
settleS: 5
security: edhoc
edhoc: { suites: [0, 2], method: 3 }
devices:
  - kind: coap-sleepy-sensor
    count: 8
    idPrefix: e
    wakeIntervalS: 10
    wakeJitterS: 2
    readings: { temp: { generator: random-walk, start: 21, stepMax: 0.3 } }
  - kind: coap-actuator
    count: 2
    idPrefix: lamp
    wakeIntervalS: 15
    readings: { temp: { generator: constant, value: 19 } }
actions:
  - { atS: 20, device: lamp-1, action: blink, input: { times: 1 } }
  - { atS: 35, device: e-2, action: blink, input: { times: 3 } }
faults:
  rebootPerWake: 0.08
`;

describe('a fleet enrolled by EDHOC', () => {
  it('pre-approved by public key, enrols with suites 0 and 2, reports over OSCORE, re-enrols after reboots', async () => {
    const scenario = parseScenario(SCENARIO, { kinds: DEVICE_KINDS });
    const secrets = fleetCredentials(scenario, DEVICE_KINDS);
    assert.deepEqual([...new Set([...secrets.values()].map((s) => s.edhoc?.suite))].sort(), [0, 2]);
    const fg = fleetGateway();
    let counters: Record<string, number> = {};
    let approvedByKey = 0;
    const result = await runSession({
      scenario,
      connect: (needs) => {
        assert.equal(needs.coap?.manifest.length, 10);
        for (const e of needs.coap!.manifest) assert.match((e as { publicKeySha256: string }).publicKeySha256, /^[0-9a-f]{64}$/);
        return fg.connect(needs).then((c) => ({ ...c, history: hubHistory(fg.gw!) }));
      },
      checkHistory: true,
      disconnect: async () => {
        counters = (fg.gw!.binding('coap') as CoapBinding).status().counters;
        approvedByKey = fg.gw!.hub.onboarding.list('approved').filter((d) => d.credentials?.publicKeySha256 !== undefined).length;
        await fg.gw!.stop();
      },
    });
    const r = result.report;
    if (process.env['FLEET_TEST_PRINT']) console.log(summarize(r));
    assert.ok(result.verification?.ok, result.verification?.problems.join('\n'));
    assert.equal(approvedByKey, 10);
    assert.ok(r.faults.reboots > 0, 'some devices rebooted');
    const sensors = r.kinds['coap-sleepy-sensor']!;
    const e = sensors.enrolment!;
    assert.equal(sensors.errors, 0);
    assert.equal(e.failures, 0);
    // One enrolment at power-on per device, one more per reboot: the context was in RAM.
    const enrolments = e.enrolments + r.kinds['coap-actuator']!.enrolment!.enrolments;
    assert.equal(enrolments, 10 + r.faults.reboots);
    assert.equal(counters['edhocCompleted'], enrolments);
    assert.equal(counters['edhocFailed'], 0);
    // message_1/message_2 in one round trip; message_3 rides with the registration.
    assert.equal(e.perEnrolment.roundTrips, 1);
    assert.ok(e.perEnrolment.bytesUp > 60 && e.perEnrolment.bytesDown > 40, JSON.stringify(e.perEnrolment));
    assert.ok(e.perWake && e.enrolmentInWakes! > 1, JSON.stringify(e));
    assert.ok(sensors.readingsAcknowledged > 60 && sensors.readingsStored === sensors.readingsAcknowledged, JSON.stringify(sensors));
    assert.equal(r.actions.deliveredOnce, 2);
  });

  it('without a manifest: pending by key fingerprint until approved, then enrolled at the next wake', async () => {
    const scenario = parseScenario(`
name: approve
durationS: 60
speed: 0
security: edhoc
edhoc: { suites: [2, 0] }
devices:
  - { kind: coap-sleepy-sensor, count: 4, idPrefix: p, wakeIntervalS: 10, readings: { temp: { generator: constant, value: 5 } } }
`, { kinds: DEVICE_KINDS });
    const runner = new FleetRunner({ scenario, kinds: DEVICE_KINDS, recordReadings: true });
    const needs = await runner.prepare();
    const fingerprints = new Set(needs.coap!.manifest.map((e) => (e as { publicKeySha256: string }).publicKeySha256));
    // The gateway requires OSCORE but holds no manifest: every key is new to it.
    const fg = fleetGateway({ onboarding: { policy: { coap: 'approve' } }, bindings: { coap: { security: 'required' } } });
    const { coap: _manifest, ...withoutManifest } = needs;
    const c = await fg.connect(withoutManifest);
    try {
      runner.connect(c.gateway, c.actions);
      await runner.start();
      const pending = fg.gw!.hub.onboarding.list('pending');
      assert.deepEqual(pending.map((p) => p.deviceId).sort(), ['p-0', 'p-1', 'p-2', 'p-3']);
      for (const p of pending) {
        assert.ok(fingerprints.has(p.claims?.['publicKeySha256'] as string), 'listed under the key the device holds');
        fg.gw!.hub.onboarding.approve('coap', p.deviceId);
      }
      const outcome = await runner.run();
      const r = buildReport(runner, outcome).kinds['coap-sleepy-sensor']!;
      assert.equal(r.enrolment!.failures, 4, 'one refused enrolment each, before approval');
      assert.equal(r.enrolment!.enrolments, 8);
      assert.ok(r.readingsAcknowledged >= 16, JSON.stringify(r));
      const v = await verifyRun(runner, hubHistory(fg.gw!));
      assert.ok(v.ok, v.problems.join('\n'));
    } finally {
      await fg.gw!.stop();
      await runner.stop();
    }
  });
});
