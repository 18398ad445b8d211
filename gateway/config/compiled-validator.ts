import type { Ajv, ValidateFunction } from 'ajv';

/**
 * A JSON Schema compiled by ajv, as the compile functions of the validators that the bundle
 * carries as ahead-of-time code (config-validator-compile.ts, ../td/td-validator-compile.ts) return
 * it: the build turns `validate` into ajv standalone code (image/src/bundle/standalone-validators.ts).
 */
export interface CompiledValidator {
  /** The instance that compiled `validate`, with `code.source` set when the build asked for it. */
  ajv: Ajv;
  validate: ValidateFunction;
  /** Constants the validator's module exports beside it (their values go into generated code). */
  constants: Record<string, string>;
}
