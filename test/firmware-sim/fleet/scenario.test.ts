import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { expandInvocations, loadScenario, parseScenario, type KindInfo } from '../../../firmware-sim/fleet/scenario.js';
import { ConfigInvalidError } from '../../../protocols/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

const KINDS: Record<string, KindInfo> = {
  sensor: { readings: ['temperature', 'humidity'], actions: ['identify'] },
  lamp: { actions: ['toggle', 'setLevel'], writes: ['on'] },
};

const parse = (text: string): ReturnType<typeof parseScenario> => parseScenario(text, { source: 'test.yaml', kinds: KINDS });

function rejects(text: string, pattern: RegExp): void {
  assert.throws(() => parse(text), (e: unknown) => e instanceof ConfigInvalidError && e.message.startsWith('test.yaml: ') && pattern.test(e.message));
}

describe('scenario', () => {
  it('fills defaults and names device ids from the prefix', () => {
    const s = parse('durationS: 60\ndevices:\n  - { kind: sensor, count: 2 }\n  - { kind: lamp, count: 1, idPrefix: hall }\n');
    assert.equal(s.seed, 1);
    assert.equal(s.speed, 1);
    assert.equal(s.tickMs, 1000);
    assert.equal(s.devices[0]?.idPrefix, 'sensor');
    assert.equal(s.devices[0]?.wakeIntervalS, 30);
    assert.deepEqual(s.faults, { loss: 0, duplication: 0, reorder: 0, rebootPerWake: 0, clockDriftPpm: 0, batteryDepletion: { fraction: 0, remainingMah: 0 } });
    assert.equal(s.energy.batteryMah, 2400);
    assert.equal(s.energy.bitrateKbps, 250);
  });

  it('names the key and what was expected', () => {
    rejects('devices: []\n', /\/: must have required property 'durationS'/);
    rejects('durationS: 60\ndevices: []\n', /\/devices: must NOT have fewer than 1 items/);
    rejects('durationS: 60\ndevices:\n  - { kind: sensor, count: 0 }\n', /\/devices\/0\/count: must be >= 1/);
    rejects('durationS: 60\nfaults: { loss: 1.5 }\ndevices:\n  - { kind: sensor, count: 1 }\n', /\/faults\/loss: must be <= 1/);
    rejects('durationS: 60\nfaluts: {}\ndevices:\n  - { kind: sensor, count: 1 }\n', /must NOT have additional properties \(faluts\)/);
    rejects('durationS: 60\ndevices:\n  - kind: sensor\n    count: 1\n    readings: { temperature: { generator: brownian } }\n', /\/devices\/0\/readings\/temperature\/generator: 'brownian' is not one of: random-walk, sine, replay, constant/);
    rejects('durationS: 60\ndevices:\n  - kind: sensor\n    count: 1\n    readings: { temperature: { generator: sine, periodS: 0 } }\n', /\/devices\/0\/readings\/temperature\/periodS: must be > 0/);
  });

  it('checks kinds, reading names, action targets and action names', () => {
    rejects('durationS: 60\ndevices:\n  - { kind: toaster, count: 1 }\n', /\/devices\/0\/kind: unknown device kind 'toaster' \(known: sensor, lamp\)/);
    rejects('durationS: 60\ndevices:\n  - kind: sensor\n    count: 1\n    readings: { pressure: { generator: constant, value: 1 } }\n', /\/devices\/0\/readings\/pressure: a sensor has no reading 'pressure'/);
    rejects('durationS: 60\ndevices:\n  - { kind: lamp, count: 1 }\nactions:\n  - { atS: 1, device: lamp-7, action: toggle }\n', /\/actions\/0\/device: no device 'lamp-7'/);
    rejects('durationS: 60\ndevices:\n  - { kind: lamp, count: 1 }\nactions:\n  - { atS: 1, device: lamp-0, action: explode }\n', /\/actions\/0\/action: a lamp has no action 'explode' \(it has: toggle, setLevel\)/);
    rejects('durationS: 60\ndevices:\n  - { kind: lamp, count: 2, idPrefix: x }\n  - { kind: sensor, count: 1, idPrefix: x }\n', /device id 'x-0' is used twice/);
  });

  it('says where YAML is broken', () => {
    rejects('durationS: 60\ndevices: [\n', /not valid YAML: line \d+/);
    rejects('- 1\n- 2\n', /\/: must be an object/);
  });

  it('loads replay columns relative to the scenario file, with clear errors', () => {
    const dir = tempDir('roost-scn-');
    try {
      writeFileSync(join(dir, 'power.csv'), 'time,watts\n0,10.5\n1,"11"\n2,12\n');
      const file = join(dir, 's.yaml');
      const body = (col: string): string => `durationS: 60\ndevices:\n  - kind: sensor\n    count: 1\n    readings: { temperature: { generator: replay, file: power.csv, column: ${col} } }\n`;
      writeFileSync(file, body('watts'));
      const s = loadScenario(file, KINDS);
      const spec = s.devices[0]?.readings['temperature'];
      assert.equal(spec?.generator, 'replay');
      assert.deepEqual(spec?.generator === 'replay' ? spec.values : [], [10.5, 11, 12]);
      writeFileSync(file, body('volts'));
      assert.throws(() => loadScenario(file, KINDS), /readings\/temperature: .*power.csv: no column 'volts' \(columns: time, watts\)/);
      writeFileSync(join(dir, 'power.csv'), 'time,watts\n0,ten\n');
      writeFileSync(file, body('watts'));
      assert.throws(() => loadScenario(file, KINDS), /power.csv:2: column 'watts' is not a number \('ten'\)/);
      assert.throws(() => loadScenario(join(dir, 'missing.yaml'), KINDS), /missing.yaml: cannot read \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('expands repeated actions within the duration, in time order', () => {
    const s = parse('durationS: 60\ndevices:\n  - { kind: lamp, count: 2 }\nactions:\n  - { atS: 50, device: lamp-1, action: toggle }\n  - { atS: 10, device: lamp-0, action: setLevel, input: { level: 3 }, repeatEveryS: 20, repeatCount: 4 }\n');
    assert.deepEqual(expandInvocations(s).map((a) => [a.atMs, a.device, a.key]), [
      [10000, 'lamp-0', 'a1.0'], [30000, 'lamp-0', 'a1.1'], [50000, 'lamp-1', 'a0.0'], [50000, 'lamp-0', 'a1.2'],
    ]);
    rejects('durationS: 60\ndevices:\n  - { kind: lamp, count: 1 }\nactions:\n  - { atS: 1, device: lamp-0, action: toggle, repeatCount: 3 }\n', /repeatCount needs repeatEveryS/);
  });

  it('checks write targets and writable property names, and expands writes beside actions', () => {
    rejects('durationS: 60\ndevices:\n  - { kind: lamp, count: 1 }\nwrites:\n  - { atS: 1, device: lamp-3, property: on, value: true }\n', /\/writes\/0\/device: no device 'lamp-3'/);
    rejects('durationS: 60\ndevices:\n  - { kind: sensor, count: 1 }\nwrites:\n  - { atS: 1, device: sensor-0, property: on, value: true }\n', /\/writes\/0\/property: a sensor has no writable property 'on' \(it has: none\)/);
    rejects('durationS: 60\ndevices:\n  - { kind: lamp, count: 1 }\nwrites:\n  - { atS: 1, device: lamp-0, property: on }\n', /\/writes\/0: must have required property 'value'/);
    rejects('durationS: 60\ndevices:\n  - { kind: lamp, count: 1 }\nwrites:\n  - { atS: 1, device: lamp-0, property: on, value: 1, repeatCount: 2 }\n', /\/writes\/0: repeatCount needs repeatEveryS/);
    const s = parse('durationS: 60\ndevices:\n  - { kind: lamp, count: 1 }\nactions:\n  - { atS: 20, device: lamp-0, action: toggle }\nwrites:\n  - { atS: 20, device: lamp-0, property: on, value: false, repeatEveryS: 30, repeatCount: 3 }\n');
    assert.deepEqual(s.writes[0], { atS: 20, device: 'lamp-0', property: 'on', value: false, repeatEveryS: 30, repeatCount: 3 });
    assert.deepEqual(expandInvocations(s).map((a) => [a.atMs, a.type, a.name, a.input, a.key]), [
      [20000, 'action', 'toggle', undefined, 'a0.0'], [20000, 'write', 'on', false, 'w0.0'], [50000, 'write', 'on', false, 'w0.1'],
    ]);
    assert.deepEqual(parse('durationS: 60\ndevices:\n  - { kind: lamp, count: 1 }\n').writes, [], 'writes default to none');
  });
});
