/**
 * The JSON Schema validators the bundle carries as code generated at build time (issue 20): ajv
 * compiled the TD 1.1 schema, the config schema and the rule schema at every start, ~360 ms of CPU
 * on the appliance for the first two.
 * Each entry names a module whose default export is a validator compiled when it loads (what tsx
 * runs) and the compile function it calls; the esbuild plugin replaces that module, in the bundle
 * only, with ajv's standalone code for the same compile function's validator, plus its constants.
 * Nothing generated is written into the source tree.
 */
import { dirname, join } from 'node:path';
import type { CodeOptions } from 'ajv';
import standaloneModuleExport from 'ajv/dist/standalone/index.js';
import type { Plugin } from 'esbuild';
import type { CompiledValidator } from '../../../gateway/config/compiled-validator.js';
import { compileConfigValidator } from '../../../gateway/config/config-validator-compile.js';
import { compileRuleValidator } from '../../../gateway/rules/rule-validator-compile.js';
import { compileTdValidator } from '../../../gateway/td/td-validator-compile.js';

// CommonJS seen from ESM: the function is the module's `default` (the same cast as td's ajv-formats import).
const standaloneCode = standaloneModuleExport as unknown as (ajv: CompiledValidator['ajv'], validate: CompiledValidator['validate']) => string;

export interface StandaloneValidator {
  /** The module replaced in the bundle, relative to the project root. */
  module: string;
  /** The compile function that module calls. */
  compile: (code: CodeOptions) => CompiledValidator;
}

export const STANDALONE_VALIDATORS: readonly StandaloneValidator[] = [
  { module: 'gateway/td/td-schema-validate.ts', compile: compileTdValidator },
  { module: 'gateway/config/config-schema-validate.ts', compile: compileConfigValidator },
  { module: 'gateway/rules/rule-schema-validate.ts', compile: compileRuleValidator },
];

/** The ES module standing in for v.module: ajv standalone code with `default` and `validate` exports, and v's constants. */
export function standaloneModule(v: StandaloneValidator): string {
  const { ajv, validate, constants } = v.compile({ source: true, esm: true });
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
      build.onLoad({ filter: /-validate\.ts$/ }, (args) => {
        const v = byPath.get(args.path);
        if (!v) return undefined;
        // resolveDir: the generated code's require()s (ajv/dist/runtime/*, ajv-formats) resolve from the project.
        return { contents: standaloneModule(v), loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}
