/**
 * A rule's conditions on other things' twins, all of which must hold when its trigger fires. A
 * thing or property without a twin value fails its condition (a rule never acts on a guess).
 */
import type { Condition, ConditionOp } from './rule-types.js';

type Scalar = number | string | boolean;

const OPS: Record<ConditionOp, (a: Scalar, b: Scalar) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  gt: (a, b) => typeof a === typeof b && a > b,
  ge: (a, b) => typeof a === typeof b && a >= b,
  lt: (a, b) => typeof a === typeof b && a < b,
  le: (a, b) => typeof a === typeof b && a <= b,
};

/** Reads a twin value; undefined when there is none (unknown thing or property included). */
export type TwinReader = (thingId: string, property: string) => unknown;

/** The first condition that does not hold, in words, or null when all hold. */
export function failedCondition(conditions: readonly Condition[], read: TwinReader): string | null {
  for (const c of conditions) {
    const v = read(c.thingId, c.property);
    if (v === undefined) return `${c.property} of ${c.thingId} has no value`;
    if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') return `${c.property} of ${c.thingId} is not a number, string or boolean`;
    if (!OPS[c.op](v, c.value)) return `${c.property} of ${c.thingId} is ${JSON.stringify(v)}, not ${c.op} ${JSON.stringify(c.value)}`;
  }
  return null;
}
