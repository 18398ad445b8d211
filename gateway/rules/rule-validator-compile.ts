/**
 * Compiles the rule schema (rule-schema.ts) with ajv: the one definition of the rule validator,
 * used at run time under tsx (rule-schema-validate.ts) and at build time, where the bundle gets the
 * same function as ajv standalone code (image/src/bundle/standalone-validators.ts) instead of
 * compiling it at each start (~7 % of a gateway's start, issue 20).
 */
import { Ajv, type CodeOptions } from 'ajv';
import type { CompiledValidator } from '../config/compiled-validator.js';
import { ruleSchema } from './rule-schema.js';

/** `code` is ajv's code option: the build passes `{ source: true, esm: true }`. */
export function compileRuleValidator(code: CodeOptions = {}): CompiledValidator {
  // All errors, no coercion, no defaults: a rule is stored as it was written.
  const ajv = new Ajv({ allErrors: true, strict: false, code });
  return { ajv, validate: ajv.compile(ruleSchema), constants: {} };
}
