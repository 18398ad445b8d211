/**
 * The built-in bindings' options validator as a module: its default export checks
 * `{ <binding>: options }` and fills in defaults; OPTIONS_BINDINGS lists the bindings it knows
 * (comma-separated). Under tsx the schemas are compiled here when the module loads; the bundle
 * replaces this module with ajv standalone code generated at build time from the same
 * compileBindingOptionsValidator() (image/src/bundle/standalone-validators.ts).
 */
import { compileBindingOptionsValidator } from './binding-options-compile.js';

const compiled = compileBindingOptionsValidator();

export const OPTIONS_BINDINGS = compiled.constants['OPTIONS_BINDINGS']!;
export default compiled.validate;
