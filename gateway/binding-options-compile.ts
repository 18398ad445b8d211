/**
 * Compiles the options schemas of the built-in bindings (binding-registry.ts) with ajv, as one
 * validator of `{ <binding>: options }`: used at run time under tsx (binding-options-validate.ts)
 * and at build time, where the bundle gets the same function as ajv standalone code
 * (image/src/bundle/standalone-validators.ts). The host compiled each enabled binding's schema and
 * ajv's draft-07 meta-schema at every start (~95 kB of generated code, issue 20).
 * One object schema with a property per binding keeps ajv's error paths: `/coap/port` becomes
 * `/bindings/coap/port` in the host's message, as when each schema was compiled alone.
 */
import { Ajv, type CodeOptions } from 'ajv';
import { optionsSchema as ble } from '../bindings/ble/ble-options.js';
import { optionsSchema as coap } from '../bindings/coap/coap-options.js';
import { optionsSchema as serial } from '../bindings/serial/serial-options.js';
import { optionsSchema as zigbee } from '../bindings/zigbee/zigbee-options.js';
import { optionsSchema as agent } from './agents/agent-binding.js';
import type { CompiledValidator } from './config/compiled-validator.js';
import { optionsSchema as ingest } from './ingest/ingest-binding.js';

/** Every module binding of binding-registry.ts, by name (a test keeps the two lists equal). */
export const BUILT_IN_OPTIONS_SCHEMAS: Readonly<Record<string, object>> = { agent, ble, coap, ingest, serial, zigbee };

/** `code` is ajv's code option: the build passes `{ source: true, esm: true }`. */
export function compileBindingOptionsValidator(code: CodeOptions = {}): CompiledValidator {
  // The options the host always used: defaults filled in, every error reported.
  const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false, code });
  const schema = { type: 'object', properties: BUILT_IN_OPTIONS_SCHEMAS };
  return { ajv, validate: ajv.compile(schema), constants: { OPTIONS_BINDINGS: Object.keys(BUILT_IN_OPTIONS_SCHEMAS).join(',') } };
}
