/**
 * The regular expression engine of TD data schemas' `pattern` (ajv's `code.regExp` option): a TD
 * comes from a device, an agent or an operator, and a backtracking pattern such as `^(a+)+$` or
 * `^(a|a)*$` against 34 characters held the event loop for 90 s (doubling with each character).
 * Patterns run on V8's linear-time engine (the `l` flag) where it can run them. That engine has no
 * `u` flag, which ajv's patterns carry, so it only answers where both modes agree: a pattern
 * without u-only syntax (`\p{...}`, `\u{...}`) and without surrogates, against a string without
 * surrogates. It also refuses backreferences, lookaround and counted repetition above 16
 * (`{1,64}`, common in TDs). Elsewhere the backtracking engine answers: on any string when the
 * pattern cannot backtrack exponentially (no repeated group that holds a repetition or an
 * alternative), else on strings up to MAX_BACKTRACKED_UNITS UTF-16 units, whose worst case is
 * bounded; a longer one fails the pattern, stricter than JSON Schema but never letting a value
 * through that breaks it (counted: roost_value_patterns_unchecked_total).
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

/** A repetition after an atom or a group: `*`, `+`, `{n}`, `{n,}`, `{n,m}` (`?` repeats nothing but counts inside a group, as in `(a?){25}`). */
const REPEAT = /^(?:[*+]|\{\d+(?:,\d*)?\})/;
const QUANTIFIER = /^(?:[*+?]|\{\d+(?:,\d*)?\})/;
/** A repetition without an upper bound: two of them in one pattern (`\d*\d*x`) backtrack polynomially. */
const UNBOUNDED = /^(?:[*+]|\{\d+,\})/;

/**
 * Whether a pattern repeats (`*`, `+`, `{n,}`, `{n,m}`) a group that holds a repetition or an
 * alternative: the shapes whose backtracking can grow exponentially with the string, `(a+)+`,
 * `(a|aa)*`, `(\w{1,20}){1,20}`, `(a?){25}`; or that has two repetitions without an upper bound,
 * whose backtracking grows polynomially (`^\d*\d*\d*x`). Escapes and character classes are
 * skipped; anything it cannot read counts as nested (the cautious answer).
 */
export function repeatsNested(pattern: string): boolean {
  // Per open group: does it hold a repetition or an alternative?
  const open: boolean[] = [];
  let i = 0;
  const repeatAt = (at: number): boolean => REPEAT.test(pattern.slice(at));
  let unbounded = 0;
  const quantifiedAt = (at: number): boolean => {
    const rest = pattern.slice(at);
    if (UNBOUNDED.test(rest)) unbounded++;
    return QUANTIFIER.test(rest);
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      i += 2;
      if (quantifiedAt(i) && open.length > 0) open[open.length - 1] = true;
      continue;
    }
    if (c === '[') {
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      if (i >= pattern.length) return true;
      i++;
      if (quantifiedAt(i) && open.length > 0) open[open.length - 1] = true;
      continue;
    }
    if (c === '(') {
      open.push(false);
      i++;
      continue;
    }
    if (c === ')') {
      if (open.length === 0) return true;
      const holds = open.pop()!;
      i++;
      if (repeatAt(i) && holds) return true;
      const quantified = quantifiedAt(i);
      if ((holds || quantified) && open.length > 0) {
        open[open.length - 1] = true;
      }
      continue;
    }
    if (c === '|') {
      if (open.length > 0) open[open.length - 1] = true;
      i++;
      continue;
    }
    i++;
    if (quantifiedAt(i) && open.length > 0) open[open.length - 1] = true;
  }
  return open.length > 0 || unbounded >= 2;
}

/** ajv's regExp engine: `(pattern, flags)`; throws, as `new RegExp` does, for a pattern that does not compile. */
export function linearPattern(pattern: string, flags: string): PatternTester {
  const full = new RegExp(pattern, flags);
  const fast = linear(pattern);
  const bounded = repeatsNested(pattern);
  return {
    toString: () => full.toString(),
    test(s: string): boolean {
      if (fast && !SURROGATE.test(s)) return fast.test(s);
      if (!bounded || s.length <= MAX_BACKTRACKED_UNITS) return full.test(s);
      patternCounters.unchecked++;
      return false;
    },
  };
}
/** What ajv's standalone code would import; these validators are compiled at run time only. */
linearPattern.code = 'linearPattern';
