/**
 * The exposes-to-TD mapping over every model definition in zigbee-herdsman-converters: none
 * fails, every TD validates against the official TD 1.1 schema, and the mapping rules hold
 * on hand-written exposes.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { assertValidTd } from '../../../gateway/td/td-validator.js';
import { deviceTd, ExposeAccess, provisionalTd, type ExposeLike } from '../../../bindings/zigbee/exposes-td.js';

const require = createRequire(import.meta.url);
const IEEE = '0x00124b0012345678';

interface Def { vendor: string; model: string; description: string; exposes: ExposeLike[] | ((d: unknown, o: object) => ExposeLike[]) }

interface RawDef { zigbeeModel?: string[]; fingerprint?: Array<{ modelID?: string }> }

/** Every vendor file's definitions, raw (as the file exports them) with where they are. */
function rawDefinitions(): Array<{ file: string; i: number; raw: RawDef }> {
  const dir = join(dirname(require.resolve('zigbee-herdsman-converters')), 'devices');
  const out: Array<{ file: string; i: number; raw: RawDef }> = [];
  for (const file of readdirSync(dir).filter((n) => n.endsWith('.js') && n !== 'index.js')) {
    const mod = require(join(dir, file)) as { definitions?: RawDef[] };
    (mod.definitions ?? []).forEach((raw, i) => out.push({ file, i, raw }));
  }
  return out;
}

function allDefinitions(): Def[] {
  const zhc = require('zigbee-herdsman-converters') as { prepareDefinition: (d: unknown) => Def };
  return rawDefinitions().map((d) => zhc.prepareDefinition(d.raw));
}

test('every converters definition maps to a valid TD 1.1', () => {
  const defs = allDefinitions();
  assert.ok(defs.length > 4000, `expected the full converters catalogue, got ${defs.length}`);
  let properties = 0;
  let actions = 0;
  let events = 0;
  for (const def of defs) {
    // The converters document dynamic exposes with a dummy device (their own prepareDefinition does this).
    const exposes = typeof def.exposes === 'function' ? def.exposes({ isDummyDevice: true }, {}) : def.exposes;
    const r = deviceTd({ ieee: IEEE, vendor: def.vendor, model: def.model, description: def.description, exposes });
    assertValidTd(r.td, `${def.vendor} ${def.model}`);
    properties += Object.keys(r.properties).length;
    actions += Object.keys(r.actions).length;
    events += r.td['events'] ? 1 : 0;
  }
  assert.ok(properties > defs.length, 'properties mapped');
  assert.ok(actions > 100, 'write-only exposes became actions');
  assert.ok(events > 500, 'remotes got an action event');
});

// Here, where every definition is loaded anyway: the binding finds vendor files through this index
// (bindings/zigbee/model-definitions.ts), so a model it missed would be identified as unknown.
test('the converters\' models index names the vendor file and position of every zigbeeModel and fingerprint', () => {
  const index = require(join(dirname(require.resolve('zigbee-herdsman-converters')), 'models-index.json')) as Record<string, Array<[string, number]>>;
  const defs = rawDefinitions();
  assert.ok(defs.length > 4000);
  const missing: string[] = [];
  let ids = 0;
  for (const { file, i, raw } of defs) {
    for (const id of [...(raw.zigbeeModel ?? []), ...(raw.fingerprint ?? []).map((f) => f.modelID ?? null)]) {
      ids++;
      // An empty or absent model id is filed under "null" (a device reporting none is looked up there).
      if (!index[id ? id.toLowerCase() : 'null']?.some(([f, n]) => f === file && n === i)) missing.push(`${file}#${i} ${String(id)}`);
    }
  }
  assert.deepEqual(missing, []);
  assert.ok(ids > 7000, `${ids} model ids checked`);
});

test('mapping rules: observable, writable, write-only action, action event, flattened light, composite', () => {
  const exposes: ExposeLike[] = [
    { type: 'numeric', name: 'temperature', property: 'temperature', access: ExposeAccess.STATE, unit: '°C' },
    { type: 'numeric', name: 'battery', property: 'battery', access: ExposeAccess.STATE | ExposeAccess.GET, value_min: 0, value_max: 100 },
    { type: 'enum', name: 'identify', property: 'identify', access: ExposeAccess.SET, values: ['identify'] },
    { type: 'numeric', name: 'effect_time', property: 'effect_time', access: ExposeAccess.SET, value_min: 1 },
    { type: 'enum', name: 'action', property: 'action', access: ExposeAccess.STATE, values: ['single', 'double'] },
    {
      type: 'light', features: [
        { type: 'binary', name: 'state', property: 'state', access: 7, value_on: 'ON', value_off: 'OFF', value_toggle: 'TOGGLE' },
        { type: 'composite', name: 'color_xy', property: 'color', access: 7, features: [{ type: 'numeric', name: 'x', property: 'x', access: 7 }, { type: 'numeric', name: 'y', property: 'y', access: 7 }] },
      ],
    },
    { type: 'binary', name: 'contact', property: 'contact', access: ExposeAccess.STATE, value_on: false, value_off: true },
  ];
  const r = deviceTd({ ieee: IEEE, vendor: 'Acme', model: 'X1', description: 'test', exposes });
  assertValidTd(r.td);
  const p = r.td['properties'] as Record<string, Record<string, unknown>>;
  assert.deepEqual([p['temperature']?.['readOnly'], p['temperature']?.['observable'], p['temperature']?.['unit']], [true, true, '°C']);
  assert.equal(r.properties['battery']?.gettable, true);
  assert.deepEqual(p['state']?.['enum'], ['ON', 'OFF', 'TOGGLE']);
  assert.equal(p['state']?.['readOnly'], false);
  assert.equal(p['state']?.['@type'], 'zbx:light');
  assert.equal(p['color']?.['type'], 'object');
  assert.deepEqual(Object.keys(p['color']?.['properties'] as object), ['x', 'y']);
  assert.equal(p['contact']?.['type'], 'boolean');
  assert.ok(p['linkquality'], 'linkquality is always there');
  assert.equal(p['action'], undefined, 'action is an event, not a property');
  const a = r.td['actions'] as Record<string, Record<string, unknown>>;
  assert.equal(a['identify']?.['input'], undefined);
  assert.equal(r.actions['identify']?.fixedValue, 'identify');
  assert.deepEqual(a['effect_time']?.['input'], { type: 'number', minimum: 1 });
  const ev = r.td['events'] as Record<string, Record<string, unknown>>;
  assert.deepEqual(ev['action']?.['data'], { type: 'string', enum: ['single', 'double'] });
});

test('provisional TDs validate', () => {
  assertValidTd(provisionalTd(IEEE, 'interviewing'));
  assertValidTd(provisionalTd(IEEE, 'unidentified'));
});
