/**
 * Validates Thing Descriptions against the official W3C TD 1.1 JSON Schema.
 * The schema file is not retyped: it ships in the npm package `wot-thing-description-types`,
 * pinned to 1.1.0-12-March-2025 (its `latest` tag is a 2021 build that rejects TD 1.1 contexts;
 * see ../shared/FACTS.md), at schema/td-json-schema-validation.json.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { TdInvalidError } from '../../protocols/errors.js';
import { describeErrors } from '../config/config.js';

const require = createRequire(import.meta.url);
const schemaPath = require.resolve('wot-thing-description-types/schema/td-json-schema-validation.json');
const tdSchema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
addFormats(ajv);
const validateTd = ajv.compile(tdSchema);

/** The TD schema's own version string, for logs and /.well-known/wot. */
export const TD_SCHEMA_VERSION = String(tdSchema['version'] ?? 'unknown');

/** Throws TdInvalidError naming every failing path when td does not validate. */
export function assertValidTd(td: unknown, what = 'Thing Description'): void {
  if (!validateTd(td)) {
    throw new TdInvalidError(`${what}: ${describeErrors(validateTd.errors)}`, { errors: validateTd.errors?.slice(0, 20) });
  }
}

export function isValidTd(td: unknown): boolean {
  return validateTd(td) === true;
}
