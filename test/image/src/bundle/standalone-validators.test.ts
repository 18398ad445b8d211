import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { build } from 'esbuild';
import validateOptionsAtRunTime from '../../../../gateway/binding-options-validate.js';
import validateConfigAtRunTime from '../../../../gateway/config/config-schema-validate.js';
import validateRuleAtRunTime from '../../../../gateway/rules/rule-schema-validate.js';
import validateTdAtRunTime, { TD_SCHEMA_VERSION } from '../../../../gateway/td/td-schema-validate.js';
import { systemTd } from '../../../../gateway/system/system-binding.js';
import { standaloneValidatorsPlugin, STANDALONE_VALIDATORS } from '../../../../image/src/bundle/standalone-validators.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
// Under the repository, so that the generated code's ajv and ajv-formats imports resolve.
// A fresh clone has no dist/ yet.
mkdirSync(join(ROOT, 'dist'), { recursive: true });
const dir = mkdtempSync(join(ROOT, 'dist', 'test-standalone-'));
let bundled: { td: ValidateFunction; tdVersion: string; config: ValidateFunction; rule: ValidateFunction; options: ValidateFunction };

before(async () => {
  const entry = STANDALONE_VALIDATORS.map((v, i) => `export { default as v${i} } from ${JSON.stringify(join(ROOT, v.module))};`).join('\n')
    + `\nexport { TD_SCHEMA_VERSION } from ${JSON.stringify(join(ROOT, 'gateway/td/td-schema-validate.ts'))};`;
  const out = join(dir, 'validators.mjs');
  const result = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' }, outfile: out, bundle: true, platform: 'node', format: 'esm',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    plugins: [standaloneValidatorsPlugin(ROOT)], metafile: true, logLevel: 'silent',
  });
  // The bundle holds generated code, not the modules that compile (nor ajv's compiler).
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(!inputs.some((i) => i.endsWith('-compile.ts') || i.includes('ajv/dist/compile/index')), inputs.join('\n'));
  const m = (await import(pathToFileURL(out).href)) as Record<string, unknown>;
  const td = STANDALONE_VALIDATORS.findIndex((v) => v.module.includes('/td/'));
  const config = STANDALONE_VALIDATORS.findIndex((v) => v.module.includes('/config/'));
  const rule = STANDALONE_VALIDATORS.findIndex((v) => v.module.includes('/rules/'));
  const options = STANDALONE_VALIDATORS.findIndex((v) => v.module.includes('binding-options'));
  bundled = {
    td: m[`v${td}`] as ValidateFunction, tdVersion: m['TD_SCHEMA_VERSION'] as string, config: m[`v${config}`] as ValidateFunction,
    rule: m[`v${rule}`] as ValidateFunction, options: m[`v${options}`] as ValidateFunction,
  };
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a validator, answering its verdict, errors and (for defaults) the data it filled in. */
function outcome(v: ValidateFunction, data: unknown): { ok: boolean; errors: unknown; data: unknown } {
  const copy = structuredClone(data);
  const ok = v(copy);
  return { ok, errors: v.errors ?? null, data: copy };
}

test('the bundled TD validator is the generated code and gives the run-time validator\'s verdicts and errors', () => {
  assert.notEqual(bundled.td, validateTdAtRunTime);
  assert.equal(bundled.tdVersion, TD_SCHEMA_VERSION);
  const td = systemTd(true) as Record<string, unknown>;
  const cases: unknown[] = [
    td,
    { ...td, title: undefined, id: 'not a uri', '@context': 'https://example.com/ctx' },
    { ...td, properties: { x: { type: 'decimal', forms: [{ op: 'readproperty' }] } }, created: 'yesterday' },
    'not an object',
    { ...td, created: 'yesterday' },
  ];
  for (const c of cases) {
    const want = outcome(validateTdAtRunTime, c);
    assert.deepEqual(outcome(bundled.td, c), want);
  }
  assert.equal(outcome(bundled.td, cases[0]).ok, true);
  // Formats (ajv-formats) are checked by the generated code too: `created` is a date-time. (The TD
  // validator stops at the first error, so `created` is the only fault of its case.)
  assert.ok(JSON.stringify(outcome(bundled.td, cases[4]).errors).includes('"format":"date-time"'));
});

test('the bundled config validator fills in the same defaults and gives the same errors', () => {
  const cases: unknown[] = [
    {},
    { http: { port: 8081 }, bindings: { coap: { enabled: true } } },
    { http: { port: 'x', nope: 1 }, log: { level: 'loud' }, backup: { schedule: 'sometimes' } },
  ];
  for (const c of cases) assert.deepEqual(outcome(bundled.config, c), outcome(validateConfigAtRunTime, c));
  const filled = outcome(bundled.config, {});
  assert.equal(filled.ok, true);
  assert.equal((filled.data as { http: { port: number } }).http.port, 8080);
  // Defaults are fresh objects per call (a later mutation must not leak into the next config).
  const a = { }; const b = { };
  bundled.config(a); bundled.config(b);
  assert.notEqual((a as { http: object }).http, (b as { http: object }).http);
});

test('the bundled rule validator gives the run-time validator\'s verdicts and errors', () => {
  const cases: unknown[] = [
    { name: 'Hot', trigger: { type: 'threshold', property: 'temperature', above: 30, hysteresis: 2 }, actions: [{ type: 'mqtt' }] },
    { name: 'Hook', trigger: { type: 'event', event: 'button' }, actions: [{ type: 'webhook', url: 'https://example.invalid/x', headers: { a: 'b' } }] },
    { name: '', trigger: { type: 'threshold', property: 'temperature', hysteresis: -1 }, actions: [] },
    { trigger: { type: 'nope' }, actions: [{ type: 'webhook', url: 'ftp://x' }], extra: 1 },
  ];
  for (const c of cases) assert.deepEqual(outcome(bundled.rule, c), outcome(validateRuleAtRunTime, c));
  assert.equal(outcome(bundled.rule, cases[0]).ok, true);
  assert.equal(outcome(bundled.rule, cases[2]).ok, false);
});

test('the bundled binding options validator fills in the same defaults and gives the same errors', () => {
  const cases: unknown[] = [
    { coap: {} },
    { serial: { ports: [{ path: '/dev/ttyUSB0' }] } },
    { coap: { port: 'x', nope: 1 } },
    { zigbee: { channel: 99 }, ble: { scanMode: 'sideways' } },
    { agent: {}, ingest: { tokenTtlS: 1 } },
  ];
  for (const c of cases) assert.deepEqual(outcome(bundled.options, c), outcome(validateOptionsAtRunTime, c));
  assert.equal(outcome(bundled.options, cases[0]).ok, true);
  assert.equal(outcome(bundled.options, cases[2]).ok, false);
});
