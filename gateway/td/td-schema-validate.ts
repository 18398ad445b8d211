/**
 * The TD validator as a module: its default export validates a TD, TD_SCHEMA_VERSION is the
 * schema's version string. Under tsx (development, tests) the schema is compiled here when the
 * module loads; the bundle replaces this module with ajv standalone code generated at build time
 * from the same compileTdValidator() (image/src/bundle/standalone-validators.ts), so both run the
 * same validator, and the bundle compiles nothing at start.
 */
import { compileTdValidator } from './td-validator-compile.js';

const compiled = compileTdValidator();

export const TD_SCHEMA_VERSION = compiled.constants['TD_SCHEMA_VERSION']!;
export default compiled.validate;
