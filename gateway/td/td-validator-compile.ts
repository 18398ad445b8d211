/**
 * Compiles the W3C TD 1.1 JSON Schema with ajv: the one definition of the TD validator, used at run
 * time under tsx (td-schema-validate.ts) and at build time, where the bundle gets the same function
 * as ajv standalone code (image/src/bundle/standalone-validators.ts) instead of compiling it at each
 * start (~270 ms of a gateway's start, issue 20).
 * The schema file is not retyped: it ships in the npm package `wot-thing-description-types`,
 * pinned to 1.1.0-12-March-2025 (its `latest` tag is a 2021 build that rejects TD 1.1 contexts;
 * see ../shared/FACTS.md), at schema/td-json-schema-validation.json.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type CodeOptions } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { CompiledValidator } from '../config/compiled-validator.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * `code` is ajv's code option: the build passes `{ source: true, esm: true }`. ajv-formats sets
 * `code.formats` to `require("ajv-formats/dist/formats").fullFormats`, which generated code imports.
 */
export function compileTdValidator(code: CodeOptions = {}): CompiledValidator {
  const require = createRequire(import.meta.url);
  const schemaPath = require.resolve('wot-thing-description-types/schema/td-json-schema-validation.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  // Stops at the first failing path (allErrors off): with every error collected, the generated code
  // copies the errors gathered so far at each failing $ref (`vErrors.concat`), so a 40 KB TD of 20,000
  // bad `links` held the event loop for two minutes, quadratic in the errors of a hostile TD.
  const ajv = new Ajv({ allErrors: false, strict: false, validateSchema: false, code });
  addFormats(ajv);
  return { ajv, validate: ajv.compile(schema), constants: { TD_SCHEMA_VERSION: String(schema['version'] ?? 'unknown') } };
}
