/**
 * Compiles the config file's schema (config-schema.ts) with ajv: the one definition of the config
 * validator, used at run time under tsx (config-schema-validate.ts) and at build time, where the
 * bundle gets the same function as ajv standalone code (image/src/bundle/standalone-validators.ts)
 * instead of compiling it at each start (~90 ms of a gateway's start, issue 20).
 */
import { Ajv, type CodeOptions } from 'ajv';
import type { CompiledValidator } from './compiled-validator.js';
import { configSchema } from './config-schema.js';

/** `code` is ajv's code option: the build passes `{ source: true, esm: true }`. */
export function compileConfigValidator(code: CodeOptions = {}): CompiledValidator {
  // useDefaults: the validator fills in every default (the generated code holds them as literals).
  const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false, code });
  return { ajv, validate: ajv.compile(configSchema), constants: {} };
}
