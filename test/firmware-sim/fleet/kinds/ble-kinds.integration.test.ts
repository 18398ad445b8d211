/**
 * BLE devices in a fleet scenario, end to end through the real BLE binding over the fleet's
 * simulated central (gateway in this process): hundreds of BTHome sensors, plain and
 * encrypted, each advertising event heard on three channels (duplicates), one with the wrong
 * key, one out of range; GATT environmental sensors, sleepy (a session per wake) and always on
 * (notifications). Every reading heard is in history, none of the wrong-key sensor's; the same
 * seed gives the same report; the energy report counts advertising events and connected time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEVICE_KINDS } from '../../../../firmware-sim/fleet/device-kinds.js';
import { runSession } from '../../../../firmware-sim/fleet/fleet-session.js';
import { deterministicPart, summarize, type FleetReport } from '../../../../firmware-sim/fleet/report.js';
import { parseScenario } from '../../../../firmware-sim/fleet/scenario.js';
import { verifyRun, type Verification } from '../../../../firmware-sim/fleet/verify.js';
import { fleetGateway, hubHistory } from '../fleet-gateway.js';

const SCENARIO = `
name: ble
seed: 7
durationS: 120
speed: 0
settleS: 0
devices:
  - kind: ble-bthome-sensor
    count: 200
    idPrefix: th
    wakeIntervalS: 30
    wakeJitterS: 5
    readings:
      temperature: { generator: random-walk, start: 21, stepMax: 0.3 }
      humidity: { generator: sine, mean: 50, amplitude: 10, periodS: 600, noise: 1 }
      battery: { generator: constant, value: 93 }
  - kind: ble-bthome-sensor
    count: 100
    idPrefix: enc
    wakeIntervalS: 30
    options: { encrypted: true }
    readings: { temperature: { generator: random-walk, start: 18, stepMax: 0.2 } }
  - kind: ble-bthome-sensor
    count: 1
    idPrefix: badkey
    wakeIntervalS: 20
    options: { wrongKey: true }
    readings: { temperature: { generator: constant, value: 99 } }
  - kind: ble-bthome-sensor
    count: 1
    idPrefix: far
    wakeIntervalS: 20
    options: { outOfRange: true }
    readings: { temperature: { generator: constant, value: 5 } }
  - kind: ble-gatt-sensor
    count: 4
    idPrefix: env
    wakeIntervalS: 40
    readings:
      temperature: { generator: random-walk, start: 22, stepMax: 0.5 }
      pressure: { generator: sine, mean: 1013, amplitude: 4, periodS: 3600 }
  - kind: ble-gatt-sensor
    count: 2
    idPrefix: mains
    wakeIntervalS: 15
    options: { sleepy: false }
    readings: { humidity: { generator: random-walk, start: 40, stepMax: 1 } }
faults:
  loss: 0.2
  duplication: 0.05
  reorder: 0.05
`;

async function run(): Promise<{ report: FleetReport; v: Verification; counters: Record<string, number> }> {
  const fg = fleetGateway();
  try {
    const scenario = parseScenario(SCENARIO, { kinds: DEVICE_KINDS });
    const { runner, report } = await runSession({ scenario, connect: (n) => fg.connect(n), recordReadings: true });
    const gw = fg.gw!;
    const v = await verifyRun(runner, hubHistory(gw));
    return { report, v, counters: gw.hub.bindingStatuses()['ble']?.counters ?? {} };
  } finally {
    await fg.gw?.stop();
  }
}

describe('BLE kinds in a fleet scenario', () => {
  it('BTHome and GATT sensors through the real binding: readings in history, wrong key refused, same seed same report', async () => {
    const a = await run();
    if (process.env['FLEET_TEST_PRINT']) console.log(summarize(a.report));
    assert.ok(a.v.ok, a.v.problems.join('\n'));
    assert.ok(a.v.readingsChecked > 1500, `${a.v.readingsChecked} readings checked`);
    const k = a.report.kinds;
    const bthome = k['ble-bthome-sensor']!;
    assert.equal(bthome.devices, 302);
    assert.equal(bthome.errors, 0);
    // 20% of copies lost: almost every event is still heard on one of its three channels.
    assert.ok(bthome.readingsAcknowledged < bthome.readingsSent, 'the out-of-range sensor is never heard');
    assert.ok(bthome.readingsAcknowledged > 0.95 * bthome.readingsSent);
    assert.equal(bthome.radio?.advertisingEvents, bthome.wakes - bthome.devices, 'one advertising event per wake after power-on');
    assert.ok(a.counters['bthomeDuplicates']! > 300, `duplicates dropped: ${a.counters['bthomeDuplicates']}`);
    assert.ok(a.counters['bthomeDecryptFailures']! >= 5, 'the wrong-key sensor is refused');
    assert.equal(a.counters['bthomeDevicesRefused'], 0);
    const gatt = k['ble-gatt-sensor']!;
    assert.equal(gatt.errors, 0);
    assert.equal(gatt.readingsAcknowledged, gatt.readingsSent, 'every GATT reading was read or notified');
    assert.ok(gatt.radio && gatt.radio.connections >= 4 * 3 + 2, `connections ${gatt.radio?.connections}`);
    assert.ok(gatt.radio.connectedMs > 2 * 100_000, 'the always-on pair stays connected most of the run');
    assert.ok(gatt.energy && gatt.energy.batteryLifeDays > 0 && Number.isFinite(gatt.energy.batteryLifeDays));
    const enc = a.report.perDevice.find((d) => d.deviceId === 'enc-0');
    assert.ok(enc?.energy && enc.energy.radioOnMsPerWake > 0.5);
    const b = await run();
    assert.deepEqual(deterministicPart(b.report), deterministicPart(a.report));
  });
});
