/**
 * The rule validator as a module: its default export checks a rule against rule-schema.ts. Under
 * tsx (development, tests) the schema is compiled here when the module loads; the bundle replaces
 * this module with ajv standalone code generated at build time from the same compileRuleValidator()
 * (image/src/bundle/standalone-validators.ts), so the bundle compiles nothing at start.
 */
import { compileRuleValidator } from './rule-validator-compile.js';

export default compileRuleValidator().validate;
