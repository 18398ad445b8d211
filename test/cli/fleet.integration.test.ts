/**
 * `roost fleet` against a gateway started apart (CoAP binding on port 0, serial binding on ports
 * named ahead in the scenario's ptyDir): the command runs the scenario, writes its JSON report
 * and exits 0, and the gateway has every device and their readings in history.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FleetReport } from '../../firmware-sim/fleet/report.js';
import { run } from '../../cli/commands/fleet.js';
import { parseManifest } from '../../gateway/onboarding/manifest.js';
import { startTestGateway, tempDir } from '../helpers/gateway.js';

describe('roost fleet', () => {
  it('runs a scenario against a running gateway and reports', async () => {
    const dir = tempDir();
    const ptyDir = join(dir, 'pty');
    const gw = await startTestGateway({
      onboarding: { defaultPolicy: 'open', policy: { coap: 'manifest' } },
      bindings: {
        coap: { enabled: true, host: '127.0.0.1', port: 0, registrationsPerMinutePerAddress: 100000, security: 'required' },
        serial: { enabled: true, ports: [{ path: join(ptyDir, 'mcu-0.gw') }], reconnectMinMs: 20, reconnectMaxMs: 100, helloTimeoutMs: 300 },
      },
    });
    try {
      const coapPort = (gw.binding('coap') as unknown as { listening: { port: number } }).listening.port;
      const scenario = join(dir, 'scenario.yaml');
      writeFileSync(scenario, [
        'name: apart',
        'seed: 5',
        'durationS: 60',
        'speed: 0',
        'devices:',
        '  - { kind: coap-sleepy-sensor, count: 4, idPrefix: s, wakeIntervalS: 10, readings: { temp: { generator: random-walk, start: 20 } } }',
        '  - { kind: coap-actuator, count: 1, idPrefix: lamp, wakeIntervalS: 5, readings: { temp: { generator: constant, value: 23 } } }',
        `  - { kind: serial-mcu, count: 1, idPrefix: mcu, wakeIntervalS: 10, options: { ptyDir: ${ptyDir} }, readings: { temp: { generator: sine, mean: 18 } } }`,
        'faults: { loss: 0.05, duplication: 0.05 }',
      ].join('\n'));
      // The CoAP devices speak OSCORE: their manifest first, imported as a vendor's would be.
      const manifest = join(dir, 'manifest.json');
      assert.equal(await run(['--scenario', scenario, '--manifest', manifest]), 0);
      assert.equal(gw.hub.onboarding.importManifest(parseManifest(readFileSync(manifest, 'utf8'))), 5);
      const reportFile = join(dir, 'report.json');
      const code = await run(['--scenario', scenario, '--gateway', '127.0.0.1:1', '--coap-port', String(coapPort), '--report', reportFile, '--quiet']);
      assert.equal(code, 0);
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as FleetReport;
      assert.equal(report.scenario, 'apart');
      assert.equal(report.devices, 6);
      assert.equal(report.completed, true);
      assert.ok(report.measured.wallS > 0);
      for (const [kind, k] of Object.entries(report.kinds)) {
        assert.ok(k.readingsAcknowledged > 0 && k.errors === 0, `${kind}: ${JSON.stringify(k)}`);
      }
      const ids = ['urn:roost:coap:s-0', 'urn:roost:coap:s-3', 'urn:roost:coap:lamp-0', 'urn:roost:serial:mcu-0'];
      for (const id of ids) assert.ok(gw.hub.history({ thingId: id, name: 'temp' }).length > 0, `${id} has history`);
      const sensorRows = [0, 1, 2, 3].reduce((n, i) => n + gw.hub.history({ thingId: `urn:roost:coap:s-${i}`, name: 'temp' }).length, 0);
      assert.equal(sensorRows, report.kinds['coap-sleepy-sensor']?.readingsAcknowledged, 'each acknowledged sensor reading is one history row');
    } finally {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
