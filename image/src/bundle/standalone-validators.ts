/**
 * The JSON Schema validators the bundle carries as code generated at build time (issue 20): ajv
 * compiled the TD 1.1 schema, the config schema, the rule schema and the built-in bindings' options
 * schemas at every start, ~360 ms of CPU on the appliance for the first two.
 * Each entry names a module whose default export is a validator compiled when it loads (what tsx
 * runs) and the module and function that compile it; the esbuild plugin replaces that module, in
 * the bundle only, with ajv's standalone code for the same compile function's validator, plus its
 * constants. Nothing generated is written into the source tree.
 *
 * The compile modules are loaded by path while building, as esbuild reads every source it bundles:
 * image/ takes no code dependency on gateway/ (docs/architecture.md), the table names them as data.
 */
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Ajv, CodeOptions, ValidateFunction } from 'ajv';
import standaloneModuleExport from 'ajv/dist/standalone/index.js';
import type { Plugin } from 'esbuild';

/** What a compile function returns (gateway/config/compiled-validator.ts has the same shape). */
interface Compiled { ajv: Ajv; validate: ValidateFunction; constants: Record<string, string> }

// CommonJS seen from ESM: the function is the module's `default` (the same cast as td's ajv-formats import).
const standaloneCode = standaloneModuleExport as unknown as (ajv: Ajv, validate: ValidateFunction) => string;

export interface StandaloneValidator {
  /** The module replaced in the bundle, relative to the project root. */
  module: string;
  /** The module defining the compile function that module calls, relative to the project root. */
  compileModule: string;
  /** The compile function's export name; it takes ajv's code options. */
  compileExport: string;
}

export const STANDALONE_VALIDATORS: readonly StandaloneValidator[] = [
  { module: 'gateway/td/td-schema-validate.ts', compileModule: 'gateway/td/td-validator-compile.ts', compileExport: 'compileTdValidator' },
  { module: 'gateway/config/config-schema-validate.ts', compileModule: 'gateway/config/config-validator-compile.ts', compileExport: 'compileConfigValidator' },
  { module: 'gateway/rules/rule-schema-validate.ts', compileModule: 'gateway/rules/rule-validator-compile.ts', compileExport: 'compileRuleValidator' },
  { module: 'gateway/binding-options-validate.ts', compileModule: 'gateway/binding-options-compile.ts', compileExport: 'compileBindingOptionsValidator' },
];

/** The ES module standing in for v.module: ajv standalone code with `default` and `validate` exports, and v's constants. */
export async function standaloneModule(projectRoot: string, v: StandaloneValidator): Promise<string> {
  const m = (await import(pathToFileURL(join(projectRoot, v.compileModule)).href)) as Record<string, unknown>;
  const compile = m[v.compileExport];
  if (typeof compile !== 'function') throw new Error(`${v.compileModule} does not export ${v.compileExport}`);
  const { ajv, validate, constants } = (compile as (code: CodeOptions) => Compiled)({ source: true, esm: true });
  const exports = Object.entries(constants).map(([k, value]) => `export const ${k} = ${JSON.stringify(value)};`);
  return [standaloneCode(ajv, validate), ...exports].join('\n');
}

/** esbuild plugin putting standaloneModule() in place of each validator module. */
export function standaloneValidatorsPlugin(projectRoot: string, validators = STANDALONE_VALIDATORS): Plugin {
  const byPath = new Map(validators.map((v) => [join(projectRoot, v.module), v]));
  return {
    name: 'roost-standalone-validators',
    setup(build) {
      // The filter must be a Go regexp; the exact match is checked below.
      build.onLoad({ filter: /-validate\.ts$/ }, async (args) => {
        const v = byPath.get(args.path);
        if (!v) return undefined;
        // resolveDir: the generated code's require()s (ajv/dist/runtime/*, ajv-formats) resolve from the project.
        return { contents: await standaloneModule(projectRoot, v), loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}
