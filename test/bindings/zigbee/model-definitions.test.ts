/**
 * ModelDefinitions against the real zigbee-herdsman-converters: the definitions it hands out are
 * the library's own answer for the same device (firmware-sim's models, a model told apart by
 * fingerprint, one told apart by IEEE address, an unknown model), devices of one identity share one
 * definition, and the vendor files loaded for a lookup are released: gone from Node's module
 * cache and from every module's parent and children, and collected. Lookups compile vendor files
 * in part (vendor-slices.ts) and give the same answers; a model id with hundreds of candidates
 * keeps only the one picked.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Zcl } from 'zigbee-herdsman';
import * as zhc from 'zigbee-herdsman-converters';
import { PROFILES, type DeviceProfile } from '../../../firmware-sim/zigbee/profiles.js';
import { converterDefinitions } from '../../../bindings/zigbee/converter-definitions.js';
import { ModelDefinitions, type CachedModule, type IdentifiedDevice, type ModelsIndex } from '../../../bindings/zigbee/model-definitions.js';
import { VendorSlices } from '../../../bindings/zigbee/vendor-slices.js';
import { until } from '../../helpers/until.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
setZhcQuiet();

const require = createRequire(import.meta.url);
const devicesDir = join(dirname(require.resolve('zigbee-herdsman-converters')), 'devices');
type Def = { model: string; vendor: string; description: string; generated?: boolean; exposes: unknown };
type Device = IdentifiedDevice & { getEndpoint(id: number): unknown };

function setZhcQuiet(): void {
  const quiet = () => undefined;
  zhc.setLogger({ debug: quiet, info: quiet, warning: quiet, error: quiet } as never);
}

/** A device as herdsman holds it after the interview of a firmware-sim profile. */
function deviceOf(p: DeviceProfile, ieeeAddr = '0x00124b0000000001', patch: Partial<Device> = {}): Device {
  const basic = p.endpoints[0]?.attributes[0x0000] ?? {};
  // What the converters read of herdsman's Endpoint (generateDefinition asks for named clusters).
  const named = (ids: number[]) => () => ids.map((id) => Zcl.Utils.getCluster(id, undefined, {}));
  const endpoints = p.endpoints.map((e) => ({
    ID: e.id, deviceID: e.deviceId, profileID: e.profileId, inputClusters: e.inClusters, outputClusters: e.outClusters,
    getInputClusters: named(e.inClusters), getOutputClusters: named(e.outClusters),
  }));
  return {
    ieeeAddr, modelID: p.modelId, manufacturerName: p.manufacturerName, manufacturerID: p.manufacturerCode,
    type: p.logicalType === 'router' ? 'Router' : 'EndDevice',
    powerSource: p.mainsPowered ? 'Mains (single phase)' : 'Battery',
    zclVersion: basic[0x0000]?.value as number, applicationVersion: basic[0x0001]?.value as number,
    stackVersion: basic[0x0002]?.value as number, hardwareVersion: basic[0x0003]?.value as number,
    dateCode: basic[0x0006]?.value as string, softwareBuildID: basic[0x4000]?.value as string,
    endpoints, getEndpoint: (id: number) => endpoints.find((e) => e.ID === id),
    ...patch,
  };
}

function vendorModulesLoaded(): string[] {
  const mods = Object.values(require.cache);
  const inVendorDir = (id: string | undefined) => id?.startsWith(devicesDir) === true;
  return [
    ...Object.keys(require.cache).filter(inVendorDir),
    ...mods.flatMap((m) => (m?.children ?? []).map((c) => c.id)).filter(inVendorDir),
    ...mods.map((m) => (m as { parent?: { id: string } } | undefined)?.parent?.id).filter(inVendorDir),
  ] as string[];
}

/** The library's own answer, with its vendor files loaded whole and then forgotten again. */
async function libraryLookup(d: Device): Promise<Def | undefined> {
  const models = converterDefinitions<Def>(0, false);
  const def = (await zhc.findByDevice(d as never, true)) as unknown as Def | undefined;
  await models.find(deviceOf(PROFILES['smart-plug'] as DeviceProfile)); // releases what the line above loaded
  return def;
}

const same = (a: Def | undefined, b: Def | undefined) => {
  assert.ok(a && b);
  assert.deepEqual([a.vendor, a.model, a.description, a.generated === true], [b.vendor, b.model, b.description, b.generated === true]);
  const exposes = (d: Def) => JSON.stringify(typeof d.exposes === 'function' ? (d.exposes as (x: unknown, o: unknown) => unknown)(undefined, {}) : d.exposes);
  assert.equal(exposes(a), exposes(b));
};

test('each firmware-sim model gets the library\'s own definition, and no vendor module stays loaded', async () => {
  for (const p of Object.values(PROFILES)) {
    const models = converterDefinitions<Def>(0);
    const ours = await models.find(deviceOf(p));
    assert.deepEqual(vendorModulesLoaded(), [], p.name);
    assert.ok(models.counters.released >= 1, `${p.name}: a vendor file was loaded and released`);
    same(ours, await libraryLookup(deviceOf(p)));
  }
  // TH01 is one model id of two SONOFF definitions: the fingerprint (clusters) picks SNZB-02.
  const th = await converterDefinitions<Def>(0).find(deviceOf(PROFILES['temperature-humidity-sensor'] as DeviceProfile));
  assert.equal(th?.model, 'SNZB-02');
});

test('devices of one identity share one definition; another firmware is looked up again', async () => {
  const models = converterDefinitions<Def>(0);
  const p = PROFILES['smart-plug'] as DeviceProfile;
  const a = await models.find(deviceOf(p, '0x00124b0000000001'));
  const b = await models.find(deviceOf(p, '0x00124b0000000002'));
  assert.equal(a, b);
  assert.deepEqual(models.counters, { lookups: 1, shared: 1, released: 1 });
  const c = await models.find(deviceOf(p, '0x00124b0000000003', { dateCode: '20250101' }));
  same(c, a);
  assert.equal(models.counters.lookups, 2);
});

test('a model told apart by IEEE address is never shared across addresses', async () => {
  // GreenPower_2 is a Philips switch at 0x00000000004....., a Legrand one at 0x00000000005.....
  const p = PROFILES['smart-plug'] as DeviceProfile;
  const green = (ieee: string) => deviceOf(p, ieee, { modelID: 'GreenPower_2', manufacturerName: undefined, type: 'GreenPower', endpoints: [] });
  const models = converterDefinitions<Def>(0);
  const philips = await models.find(green('0x0000000000412345'));
  const legrand = await models.find(green('0x0000000000512345'));
  assert.equal(models.counters.lookups, 2);
  same(philips, await libraryLookup(green('0x0000000000412345')));
  same(legrand, await libraryLookup(green('0x0000000000512345')));
  assert.notEqual(philips?.vendor, legrand?.vendor);
});

test('an unknown model gets a definition generated from its clusters, loading no vendor file', async () => {
  const models = converterDefinitions<Def>(0);
  // No endpoints: generating from clusters reads far more of herdsman's Endpoint than this fixture has.
  const d = deviceOf(PROFILES['smart-plug'] as DeviceProfile, '0x00124b0000000009', { modelID: 'roost-test-unknown-model', manufacturerName: 'Roost', endpoints: [] });
  const def = await models.find(d);
  assert.equal(def?.generated, true);
  assert.equal(models.counters.released, 0);
  await models.find({ ...d, ieeeAddr: '0x00124b000000000c' });
  assert.equal(models.counters.lookups, 2, 'a generated definition is this device\'s own');
  same(def, await libraryLookup(d));
});

test('a model id naming a member of Object.prototype is left unidentified; other odd ids are generated', async () => {
  const models = converterDefinitions<Def>(0);
  const odd = (modelID: string) => deviceOf(PROFILES['smart-plug'] as DeviceProfile, '0x00124b00000000e1', { modelID, manufacturerName: 'Roost', endpoints: [] });
  for (const id of ['constructor', '__proto__', 'CONSTRUCTOR', 'constructor\u0000junk', ' __proto__ ']) {
    assert.equal(await models.find(odd(id)), undefined, JSON.stringify(id));
    // The library's own lookup throws on these (it reads the index as a plain object).
    await assert.rejects(zhc.findByDevice(odd(id) as never, true), JSON.stringify(id));
  }
  for (const id of ['hasOwnProperty', 'toString', 'valueOf']) assert.equal((await models.find(odd(id)))?.generated, true, id);
  assert.deepEqual(vendorModulesLoaded(), []);
});

test('a released vendor file is collected: only the definitions found stay', async () => {
  let vendorDefinitions: WeakRef<object> | undefined;
  const models = new ModelDefinitions<Def>({
    // The library's lookup, catching the vendor module's definitions while it has them loaded.
    findByDevice: async (d) => {
      const def = (await zhc.findByDevice(d as never, true)) as unknown as Def | undefined;
      const ikea = require.cache[join(devicesDir, 'ikea.js')]?.exports as { definitions?: object } | undefined;
      if (ikea?.definitions) vendorDefinitions = new WeakRef(ikea.definitions);
      return def;
    },
    devicesDir,
    index: require(join(dirname(devicesDir), 'models-index.json')) as ModelsIndex,
    moduleCache: require.cache as Record<string, CachedModule | undefined>,
    releaseDelayMs: 0,
  });
  const def = await models.find(deviceOf(PROFILES['door-sensor'] as DeviceProfile));
  assert.equal(def?.model, 'E2013');
  const caught = vendorDefinitions as WeakRef<object> | undefined;
  assert.ok(caught);
  assert.ok(caught.deref(), 'ikea.js was loaded for the lookup');
  for (let i = 0; i < 3 && caught.deref(); i++) {
    await new Promise((r) => setTimeout(r, 10));
    gc();
  }
  assert.equal(caught.deref(), undefined, 'the vendor module and its other definitions were collected');
});

test('vendor files stay loaded for the delay after the last lookup, or until one needs other files', async () => {
  const models = converterDefinitions<Def>(200);
  await models.find(deviceOf(PROFILES['temperature-humidity-sensor'] as DeviceProfile));
  await models.find(deviceOf(PROFILES['button-remote'] as DeviceProfile));
  assert.deepEqual(Object.keys(require.cache).filter((id) => id.startsWith(devicesDir)), [join(devicesDir, 'sonoff.js')]);
  assert.equal(models.counters.released, 0);
  await until('vendor files released', () => vendorModulesLoaded().length === 0, 5000);
  assert.equal(models.counters.released, 1, 'both SONOFF lookups left sonoff.js in the cache, released once');
  await models.find(deviceOf(PROFILES['temperature-humidity-sensor'] as DeviceProfile, '0x00124b000000000d', { dateCode: 'x' }));
  await models.find(deviceOf(PROFILES['smart-plug'] as DeviceProfile));
  assert.deepEqual(Object.keys(require.cache).filter((id) => id.startsWith(devicesDir)), [join(devicesDir, 'innr.js')], 'a lookup in another file released sonoff.js first');
  models.close();
  assert.deepEqual(vendorModulesLoaded(), [], 'close() releases at once');
});

test('a TS0601 device: 523 candidates in 48 vendor files compiled in part, the library\'s answer, the one picked compiled alone', async () => {
  const moduleCache = require.cache as Record<string, CachedModule | undefined>;
  const slices = new VendorSlices({ devicesDir, moduleCache, read: (p) => readFileSync(p, 'utf8') });
  const tuya = join(devicesDir, 'tuya.js');
  type Raw = { model?: string; configure?: () => unknown };
  let firstPart: Raw[] | undefined;
  const models = new ModelDefinitions<Def & Raw>({
    findByDevice: async (d) => (await zhc.findByDevice(d as never, true)) as unknown as Def | undefined,
    findDefinition: async (d) => {
      firstPart ??= (moduleCache[tuya]?.exports as { definitions?: Raw[] } | undefined)?.definitions;
      return (await zhc.findDefinition(d as never, true)) as unknown as object | undefined;
    },
    devicesDir,
    index: require(join(dirname(devicesDir), 'models-index.json')) as ModelsIndex,
    moduleCache,
    releaseDelayMs: 0,
    slices,
  });
  // GDC311ZBQ1: a fingerprint among tuya.js's TS0601 definitions, with a configure function written in it.
  const d = deviceOf(PROFILES['smart-plug'] as DeviceProfile, '0x00124b00000000f1', { modelID: 'TS0601', manufacturerName: '_TZE200_wfxuhoea' });
  const ours = await models.find(d);
  assert.equal(ours?.model, 'GDC311ZBQ1');
  same(ours, await libraryLookup(d));
  assert.ok(slices.counters.parts >= 45, `${slices.counters.parts} files in part`);
  assert.ok(slices.counters.whole <= 2, `${slices.counters.whole} files whole`);
  assert.equal(slices.counters.narrowed, 1);
  assert.deepEqual(vendorModulesLoaded(), []);
  const candidate = firstPart?.find((r) => r?.model === 'GDC311ZBQ1');
  assert.ok(candidate?.configure && ours.configure, 'tuya.js was placed in part, GDC311ZBQ1 among its candidates');
  assert.notEqual(ours.configure, candidate.configure, 'the kept configure is not the one compiled with 500 other candidates');
  assert.equal(String(ours.configure), String(candidate.configure));
});

test('a file left to the library is loaded whole even when an earlier lookup left a part of it in the cache', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roost-vendors-'));
  try {
    writeFileSync(join(dir, 'v.js'), [
      '"use strict";', 'exports.definitions = void 0;',
      'exports.definitions = [',
      '    { zigbeeModel: ["A"], model: "A" },',
      // The index files this one under `b`, but its model ids do not say so: no part for it.
      '    { zigbeeModel: ["X"], model: "B" },',
      '];',
    ].join('\n'));
    const index: ModelsIndex = { a: [['v.js', 0]], b: [['v.js', 1]] };
    const moduleCache = require.cache as Record<string, CachedModule | undefined>;
    const path = join(dir, 'v.js');
    // The library's lookup as far as it matters here: require the vendor file, take the row's definition.
    const libraryLike = async (d: IdentifiedDevice) => {
      const [row] = index[(d.modelID ?? '').toLowerCase()] ?? [];
      return row ? (require(join(dir, row[0])) as { definitions: Def[] }).definitions[row[1]] : undefined;
    };
    const slices = new VendorSlices({ devicesDir: dir, moduleCache, read: (p) => readFileSync(p, 'utf8') });
    const models = new ModelDefinitions<Def>({ findByDevice: libraryLike, devicesDir: dir, index, moduleCache, releaseDelayMs: 60_000, slices });
    const d = (modelID: string) => ({ ieeeAddr: '0x1', modelID, endpoints: [] });
    assert.equal((await models.find(d('A')))?.model, 'A');
    assert.ok(moduleCache[path], 'a part of v.js stays cached for the release delay');
    assert.equal((await models.find(d('B')))?.model, 'B', 'the whole file, not the part without definition 1');
    assert.deepEqual(slices.counters, { parts: 1, whole: 1, narrowed: 0 });
    models.close();
    assert.equal(moduleCache[path], undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
