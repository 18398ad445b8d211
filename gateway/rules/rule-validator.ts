/**
 * Checks a rule against rule-schema.ts (rule-schema-validate.ts: all errors, no coercion, no defaults), so a
 * rule merged by PATCH, loaded from docs/rules.md or read back from the store meets the same
 * schema as one POSTed. Errors name the key: `/trigger/hysteresis: must be >= 0`.
 */
import { BadRequestError } from '../../protocols/errors.js';
import { describeErrors } from '../config/config.js';
import validate from './rule-schema-validate.js';
import type { RuleInput } from './rule-types.js';

/** The input as a rule, or BadRequestError naming every key that is wrong. */
export function checkRule(input: unknown): RuleInput {
  if (!validate(input)) throw new BadRequestError(`rule: ${describeErrors(validate.errors)}`, { errors: validate.errors });
  return input as unknown as RuleInput;
}
