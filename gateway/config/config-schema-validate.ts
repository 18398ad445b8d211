/**
 * The config validator as a module: its default export checks a config and fills in its
 * defaults. Under tsx (development, tests) the schema is compiled here when the module loads; the
 * bundle replaces this module with ajv standalone code generated at build time from the same
 * compileConfigValidator() (image/src/bundle/standalone-validators.ts), so both run the same
 * validator, and the bundle compiles nothing at start.
 */
import { compileConfigValidator } from './config-validator-compile.js';

export default compileConfigValidator().validate;
