/**
 * Validates Thing Descriptions against the official W3C TD 1.1 JSON Schema (compiled in
 * td-validator-compile.ts; ahead of time in the bundle, see td-schema-validate.ts).
 */
import { TdInvalidError } from '../../protocols/errors.js';
import { describeErrors } from '../config/config.js';
import validateTd, { TD_SCHEMA_VERSION } from './td-schema-validate.js';

/** The TD schema's own version string, for logs and /.well-known/wot. */
export { TD_SCHEMA_VERSION };

/** Throws TdInvalidError naming the first failing path (with the alternatives tried there) when td does not validate. */
export function assertValidTd(td: unknown, what = 'Thing Description'): void {
  if (!validateTd(td)) {
    throw new TdInvalidError(`${what}: ${describeErrors(validateTd.errors)}`, { errors: validateTd.errors?.slice(0, 20) });
  }
}

export function isValidTd(td: unknown): boolean {
  return validateTd(td) === true;
}
