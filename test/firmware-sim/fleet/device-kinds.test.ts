/**
 * Scenarios with the BLE and Zigbee kinds of the real kind table: what they accept and the
 * errors they give; the radio figures a BLE group gets (its kind's over the scenario's, its
 * own over both); what BLE and Zigbee devices ask of the gateway; the same seed giving the same
 * device plan. No gateway: the end-to-end runs are in kinds/*.integration.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigInvalidError } from '../../../protocols/errors.js';
import { DEVICE_KINDS } from '../../../firmware-sim/fleet/device-kinds.js';
import { FleetRunner } from '../../../firmware-sim/fleet/fleet-runner.js';
import { bleBindingSection, zigbeeBindingSection } from '../../../firmware-sim/fleet/gateway-config.js';
import { parseScenario } from '../../../firmware-sim/fleet/scenario.js';

const parse = (text: string) => parseScenario(text, { source: 'ble.yaml', kinds: DEVICE_KINDS });

function rejects(text: string, pattern: RegExp): void {
  assert.throws(() => parse(text), (e: unknown) => e instanceof ConfigInvalidError && pattern.test(e.message), pattern.source);
}

const MIXED = `
durationS: 60
seed: 5
devices:
  - { kind: ble-bthome-sensor, count: 3, idPrefix: th, readings: { temperature: { generator: constant, value: 20 } } }
  - { kind: ble-bthome-sensor, count: 2, idPrefix: enc, options: { encrypted: true } }
  - { kind: ble-bthome-sensor, count: 1, idPrefix: bad, options: { wrongKey: true } }
  - { kind: ble-gatt-sensor, count: 2, idPrefix: env, options: { sleepy: false, readIntervalS: 60 } }
  - { kind: ble-gatt-sensor, count: 1, idPrefix: sleepy, energy: { batteryMah: 1000 } }
  - { kind: zigbee-door-sensor, count: 2, idPrefix: door, options: { listenMs: 800 } }
  - { kind: zigbee-th-sensor, count: 1, idPrefix: zth, options: { listenMs: 300 } }
actions:
  - { atS: 10, device: door-1, action: identify }
`;

describe('BLE and Zigbee kinds in scenarios', () => {
  it('checks readings and actions against the kind table', () => {
    rejects('durationS: 60\ndevices:\n  - kind: ble-bthome-sensor\n    count: 1\n    readings: { co2: { generator: constant, value: 400 } }\n',
      /\/devices\/0\/readings\/co2: a ble-bthome-sensor has no reading 'co2' \(it has: battery, temperature, humidity, pressure\)/);
    rejects('durationS: 60\ndevices:\n  - { kind: zigbee-plug, count: 1 }\nactions:\n  - { atS: 1, device: zigbee-plug-0, action: identify }\n',
      /\/actions\/0\/action: a zigbee-plug has no action 'identify' \(it has: none\)/);
    rejects('durationS: 60\ndevices:\n  - { kind: ble-gatt-sensor, count: 1, energy: { batteryAh: 1 } }\n', /must NOT have additional properties \(batteryAh\)/);
    rejects('durationS: 60\ndevices:\n  - { kind: ble-gatt-sensor, count: 1, energy: { connectedDutyCycle: 2 } }\n', /\/devices\/0\/energy\/connectedDutyCycle: must be <= 1/);
    assert.equal(parse(MIXED).devices.length, 7);
  });

  it('a BLE group gets its kind\'s radio figures over the scenario\'s, and its own over both', () => {
    const runner = new FleetRunner({ scenario: parse(MIXED), kinds: DEVICE_KINDS });
    const th = runner.device('th-0')!;
    assert.equal(th.energy.bitrateKbps, 1000);
    assert.equal(th.energy.batteryMah, 220);
    assert.equal(runner.device('sleepy-0')!.energy.batteryMah, 1000);
    assert.equal(runner.device('zth-0')!.energy.bitrateKbps, 250, 'Zigbee keeps the scenario\'s 802.15.4 figures');
  });

  it('BLE devices ask for bind keys (another one for the wrong-key sensor) and GATT devices; Zigbee for a coordinator and an awake window', async () => {
    const runner = new FleetRunner({ scenario: parse(MIXED), kinds: DEVICE_KINDS });
    try {
      const needs = await runner.prepare();
      assert.ok(needs.ble && needs.zigbee);
      assert.equal(needs.ble.bthomeSensors, 6);
      assert.equal(Object.keys(needs.ble.bindKeys).length, 3, 'the two encrypted sensors and the wrong-key one');
      for (const k of Object.values(needs.ble.bindKeys)) assert.match(k, /^[0-9a-f]{32}$/);
      assert.deepEqual(needs.ble.gattDevices.map((d) => [d.sleepy, d.readIntervalMs]), [[false, 60000], [false, 60000], [true, 0]]);
      const ble = bleBindingSection(needs.ble);
      assert.equal(ble['maxConnections'], 3, 'a link for each always-on device and one for sessions');
      assert.match(needs.zigbee.port, /^tcp:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(needs.zigbee.awakeWindowMs, 150, 'half the shortest poll window');
      assert.deepEqual(zigbeeBindingSection(needs.zigbee), { enabled: true, port: needs.zigbee.port, awakeWindowMs: 150 });
      assert.equal(runner.device('bad-0')!.model.rejected, true);
      assert.equal(runner.device('enc-0')!.model.rejected, false);
      const again = new FleetRunner({ scenario: parse(MIXED), kinds: DEVICE_KINDS });
      assert.deepEqual(runner.devices.map((d) => [d.model.thingId, d.nextWakeMs, d.plan]), again.devices.map((d) => [d.model.thingId, d.nextWakeMs, d.plan]));
    } finally {
      await runner.stop();
    }
  });
});
