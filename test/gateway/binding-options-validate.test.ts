import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import pino from 'pino';
import { BindingHost } from '../../gateway/binding-host.js';
import { BUILT_IN_OPTIONS_SCHEMAS } from '../../gateway/binding-options-compile.js';
import validateOptions, { OPTIONS_BINDINGS } from '../../gateway/binding-options-validate.js';
import { BINDING_MODULES } from '../../gateway/binding-registry.js';
import { resolveConfig } from '../../gateway/config/config.js';
import { ConfigInvalidError } from '../../protocols/errors.js';

/** Each schema compiled alone, as the host did before the built-in validator. */
function alone(name: string, options: Record<string, unknown>): { ok: boolean; data: unknown; where: string[] } {
  const v = new Ajv({ useDefaults: true, allErrors: true, strict: false }).compile(BUILT_IN_OPTIONS_SCHEMAS[name]!);
  const data = structuredClone(options);
  const ok = v(data);
  return { ok, data, where: (v.errors ?? []).map((e) => `/bindings/${name}${e.instancePath} ${e.keyword}`) };
}

function combined(name: string, options: Record<string, unknown>): { ok: boolean; data: unknown; where: string[] } {
  const data = structuredClone(options);
  const ok = validateOptions({ [name]: data });
  return { ok, data, where: (validateOptions.errors ?? []).map((e) => `/bindings${e.instancePath} ${e.keyword}`) };
}

const host = (modules?: typeof BINDING_MODULES): BindingHost =>
  new BindingHost({ hub: null as never, config: resolveConfig({}), logger: pino({ level: 'silent' }), dataDir: '/nonexistent', ...(modules ? { modules } : {}) });

describe('built-in binding options validator', () => {
  it('knows every module binding of the registry', () => {
    assert.deepEqual(Object.keys(BUILT_IN_OPTIONS_SCHEMAS).sort(), Object.keys(BINDING_MODULES).sort());
    assert.deepEqual(OPTIONS_BINDINGS.split(',').sort(), Object.keys(BINDING_MODULES).sort());
  });

  it('gives each schema compiled alone its verdicts, defaults and error paths', () => {
    const cases: Record<string, Record<string, unknown>[]> = {
      agent: [{}, { maxPollWaitMs: -1, x: 1 }],
      ble: [{}, { scanMode: 'sideways' }],
      coap: [{}, { port: 'x', nope: 1 }, { security: 'required' }],
      ingest: [{}, { tokenTtlS: 1 }],
      serial: [{}, { ports: [{ path: '/dev/ttyUSB0' }] }, { ports: [{ baudRate: 'fast' }] }],
      zigbee: [{}, { channel: 99 }],
    };
    let failures = 0;
    for (const [name, list] of Object.entries(cases)) {
      for (const options of list) {
        const want = alone(name, options);
        assert.deepEqual(combined(name, options), want, `${name} ${JSON.stringify(options)}`);
        if (!want.ok) failures++;
      }
    }
    assert.ok(failures >= 6, `only ${failures} of the cases were refused`);
  });

  it('the host refuses bad options of a built-in binding with the path under /bindings, and fills defaults', async () => {
    await assert.rejects(host().check('coap', { enabled: true, port: 'x' }), (err: Error) => err instanceof ConfigInvalidError && /\/bindings\/coap\/port: must be integer/.test(err.message));
    await assert.rejects(host().check('agent', { enabled: true, bogus: 1 }), /\/bindings\/agent: must NOT have additional properties \(bogus\)/);
    await host().check('ingest', { enabled: true });
  });

  it('a binding outside the registry is checked against its own schema at run time', async () => {
    const modules = { fake: async () => ({ optionsSchema: { type: 'object', properties: { n: { type: 'integer' } }, additionalProperties: false }, create: () => { throw new Error('not made'); } }) } as never;
    await assert.rejects(host(modules).check('fake', { enabled: true, n: 'one' }), /\/bindings\/fake\/n: must be integer/);
    await host(modules).check('fake', { enabled: true, n: 1 });
  });
});
