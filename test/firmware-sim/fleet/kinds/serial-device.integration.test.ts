/**
 * Serial device kinds against a real gateway's serial binding, each device on its own socat
 * pseudo-terminal pair (fails without socat): sleepy single-thing MCUs and a multi-thing hub,
 * with lost, duplicated and reordered frames; every action exactly once, every reading of every
 * unit in history.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEVICE_KINDS } from '../../../../firmware-sim/fleet/device-kinds.js';
import { runSession } from '../../../../firmware-sim/fleet/fleet-session.js';
import { parseScenario } from '../../../../firmware-sim/fleet/scenario.js';
import { verifyRun } from '../../../../firmware-sim/fleet/verify.js';
import { startTestGateway, type TestGateway } from '../../../helpers/gateway.js';

/** Short serial timers so that retries fit in a test. */
const FAST = { ackTimeoutMs: 60, maxRetries: 3, reconnectMinMs: 50, reconnectMaxMs: 400, helloTimeoutMs: 300, awakeWindowMs: 400, resultTimeoutMs: 3000 };

const SCENARIO = `
seed: 3
durationS: 60
speed: 0
devices:
  - kind: serial-mcu
    count: 2
    idPrefix: mcu
    wakeIntervalS: 5
    readings: { temp: { generator: random-walk, start: 20, stepMax: 0.5 } }
  - kind: serial-hub
    count: 1
    idPrefix: hub
    wakeIntervalS: 4
    options: { units: 2 }
    readings: { temp: { generator: sine, mean: 20 }, hum: { generator: constant, value: 40 } }
actions:
  - { atS: 3, device: mcu-1, action: blink, input: { times: 2 }, repeatEveryS: 10, repeatCount: 4 }
  - { atS: 5, device: hub-0, action: blink, input: { times: 1 }, repeatEveryS: 15, repeatCount: 3 }
faults: { loss: 0.05, duplication: 0.05, reorder: 0.05, clockDriftPpm: 50 }
`;

describe('serial device kinds', () => {
  it('sleepy MCUs and a multi-thing hub over ptys: actions exactly once, readings of every unit in history', async () => {
    let gw: TestGateway | null = null;
    let ptyPaths: string[] = [];
    try {
      const { runner, report } = await runSession({
        scenario: parseScenario(SCENARIO, { kinds: DEVICE_KINDS }),
        recordReadings: true,
        connect: async (needs) => {
          ptyPaths = needs.serialPorts;
          gw = await startTestGateway({ bindings: { serial: { enabled: true, ports: needs.serialPorts.map((path) => ({ path })), ...FAST } } });
          const g = gw;
          return {
            gateway: { host: '127.0.0.1', coapPort: 0 },
            actions: { invoke: (t, a, i) => Promise.resolve(g.hub.invokeAction(t, a, i)), status: (id) => Promise.resolve(g.hub.getAction(id)) },
          };
        },
      });
      const g = gw as TestGateway | null;
      assert.ok(g);
      assert.equal(ptyPaths.length, 3);
      const ids = g.hub.listThings().items.map((t) => t.id).filter((id) => id.startsWith('urn:roost:serial:')).sort();
      assert.deepEqual(ids, ['urn:roost:serial:hub-0-u0', 'urn:roost:serial:hub-0-u1', 'urn:roost:serial:mcu-0', 'urn:roost:serial:mcu-1']);
      const v = await verifyRun(runner, (thingId, name) => Promise.resolve(g.hub.history({ thingId, name, limit: 10000 }).map((r) => r.value)));
      assert.ok(v.ok, v.problems.join('\n'));
      assert.equal(v.actionsChecked, 7);
      assert.ok(v.readingsChecked > 60, `${v.readingsChecked} readings checked`);
      assert.equal(report.actions.deliveredOnce, 7);
      const f = report.faults;
      assert.ok(f.lost + f.duplicated + f.reordered > 0, JSON.stringify(f));
      assert.ok((report.kinds['serial-mcu']?.traffic.bytesUp ?? 0) > 0 && (report.kinds['serial-hub']?.traffic.bytesDown ?? 0) > 0);
      for (const p of ptyPaths) assert.equal(existsSync(p), false, `${p} removed with its socat`);
    } finally {
      await (gw as TestGateway | null)?.stop();
    }
  });
});
