import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEVICE_KINDS } from '../../firmware-sim/fleet/device-kinds.js';
import { loadScenario } from '../../firmware-sim/fleet/scenario.js';
import { applyOverrides, parseHost, run } from '../../cli/commands/fleet.js';
import { DEMO_SCENARIO } from '../../cli/commands/demo.js';
import { ConfigInvalidError } from '../../protocols/errors.js';

describe('roost fleet arguments', () => {
  it('parses HOST and HOST:PORT, IPv6 in brackets', () => {
    assert.deepEqual(parseHost('gw.local', 8080), { host: 'gw.local', port: 8080 });
    assert.deepEqual(parseHost('10.0.0.2:9090', 8080), { host: '10.0.0.2', port: 9090 });
    assert.deepEqual(parseHost('[::1]:8081', 8080), { host: '::1', port: 8081 });
    assert.throws(() => parseHost('a:b:c', 8080), ConfigInvalidError);
  });

  it('overrides speed, duration and seed, and says which flag is wrong', () => {
    const s = loadScenario(DEMO_SCENARIO, DEVICE_KINDS);
    const o = applyOverrides(s, { speed: '0', duration: '30', seed: 'x' });
    assert.equal(o.speed, 0);
    assert.equal(o.durationS, 30);
    assert.equal(o.seed, 'x');
    assert.equal(s.durationS, 600, 'the loaded scenario is not changed');
    assert.throws(() => applyOverrides(s, { speed: 'fast' }), /--speed: expected a number >= 0, got 'fast'/);
    assert.throws(() => applyOverrides(s, { duration: '0' }), /--duration: expected a number >= 1/);
  });

  it('refuses to run without a scenario or a password, before touching the network', async () => {
    await assert.rejects(run([]), /missing option --scenario/);
    await assert.rejects(run(['--scenario', '/nonexistent.yaml']), /nonexistent.yaml: cannot read \(ENOENT\)/);
    const saved = process.env['ROOST_ADMIN_PASSWORD'];
    delete process.env['ROOST_ADMIN_PASSWORD'];
    try {
      await assert.rejects(run(['--scenario', DEMO_SCENARIO]), /set ROOST_ADMIN_PASSWORD/);
    } finally {
      if (saved !== undefined) process.env['ROOST_ADMIN_PASSWORD'] = saved;
    }
  });

  it('the demo scenario loads, has all four radio families, and sends only actions and writes its devices offer', () => {
    const s = loadScenario(DEMO_SCENARIO, DEVICE_KINDS);
    assert.equal(s.devices.reduce((n, g) => n + g.count, 0), 28);
    assert.deepEqual([...new Set(s.devices.map((g) => DEVICE_KINDS[g.kind]?.binding))].sort(), ['ble', 'coap', 'serial', 'zigbee']);
    assert.ok(s.actions.length > 0);
    assert.deepEqual([...new Set(s.writes.map((w) => w.property))].sort(), ['interval', 'state']);
    assert.ok(s.faults.loss > 0 && s.faults.batteryDepletion.fraction > 0);
  });
});
