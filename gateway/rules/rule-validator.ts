/**
 * Checks a rule against rule-schema.ts with its own ajv (all errors, no coercion, no defaults), so a
 * rule merged by PATCH, loaded from docs/rules.md or read back from the store meets the same
 * schema as one POSTed. Errors name the key: `/trigger/hysteresis: must be >= 0`.
 */
import { Ajv } from 'ajv';
import { BadRequestError } from '../../protocols/errors.js';
import { describeErrors } from '../config/config.js';
import { ruleSchema } from './rule-schema.js';
import type { RuleInput } from './rule-types.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(ruleSchema);

/** The input as a rule, or BadRequestError naming every key that is wrong. */
export function checkRule(input: unknown): RuleInput {
  if (!validate(input)) throw new BadRequestError(`rule: ${describeErrors(validate.errors)}`, { errors: validate.errors });
  return input as unknown as RuleInput;
}
