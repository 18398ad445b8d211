/**
 * The regular expression engine of TD data schemas' `pattern` (ajv's `code.regExp` option): a TD
 * comes from a device, an agent or an operator, and a backtracking pattern such as `^(a+)+$` or
 * `^(a|a)*$` against 34 characters held the event loop for 90 s (doubling with each character).
 * Patterns run on V8's linear-time engine (the `l` flag) instead. That engine has no `u` flag,
 * which ajv's patterns carry, so it only answers where both modes agree: a pattern without
 * u-only syntax (`\p{...}`, `\u{...}`) and without surrogates, against a string without
 * surrogates. Elsewhere (such a pattern, a string with characters beyond U+FFFF, or a pattern the
 * linear engine cannot run: backreferences, lookaround) the backtracking engine checks strings up
 * to MAX_BACKTRACKED_UNITS UTF-16 units, whose worst case is bounded; a longer one fails the
 * pattern, stricter than JSON Schema but never letting a value through that breaks it.
 */
import { setFlagsFromString } from 'node:v8';

/** Longest string the backtracking engine checks: 2^16 steps at worst for an exponential pattern. */
export const MAX_BACKTRACKED_UNITS = 16;

// The `l` flag needs this V8 flag; it changes no other expression.
setFlagsFromString('--enable-experimental-regexp-engine');

const U_ONLY_SYNTAX = /\\[pP]\{|\\u\{|\\u[dD][89a-fA-F]|[\uD800-\uDFFF]/;
const SURROGATE = /[\uD800-\uDFFF]/;

export interface PatternTester {
  test(s: string): boolean;
  /** The pattern as a RegExp literal: ajv keys what it compiled by it. */
  toString(): string;
}

/** Strings that no engine checked and that failed their pattern for it, since start. */
export const patternCounters = { unchecked: 0 };

function linear(pattern: string): RegExp | null {
  if (U_ONLY_SYNTAX.test(pattern)) return null;
  try {
    return new RegExp(pattern, 'l');
  } catch {
    return null; // not runnable in linear time (a backreference, a lookaround), or the engine is off
  }
}

/** ajv's regExp engine: `(pattern, flags)`; throws, as `new RegExp` does, for a pattern that does not compile. */
export function linearPattern(pattern: string, flags: string): PatternTester {
  const full = new RegExp(pattern, flags);
  const fast = linear(pattern);
  return {
    toString: () => full.toString(),
    test(s: string): boolean {
      if (fast && !SURROGATE.test(s)) return fast.test(s);
      if (s.length <= MAX_BACKTRACKED_UNITS) return full.test(s);
      patternCounters.unchecked++;
      return false;
    },
  };
}
/** What ajv's standalone code would import; these validators are compiled at run time only. */
linearPattern.code = 'linearPattern';
