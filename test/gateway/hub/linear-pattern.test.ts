import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linearPattern, MAX_BACKTRACKED_UNITS, patternCounters, repeatsNested } from '../../../gateway/hub/linear-pattern.js';

/** Runs `f` and answers how long it took (ms). */
function timed(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

describe('linearPattern (the data schemas\' regExp engine)', () => {
  it('answers as the u-flag RegExp does on ordinary patterns and strings', () => {
    const cases: Array<[string, string]> = [
      ['^[a-z]{1,5}$', 'abc'], ['^[a-z]{1,5}$', 'abcdef'], ['^\\d+(\\.\\d+)?$', '12.5'], ['^\\d+(\\.\\d+)?$', '12.'],
      ['^(on|off)$', 'off'], ['^(on|off)$', 'of'], ['[A-F0-9]{4}', 'xx12AFyy'], ['^.{2}$', 'ab'], ['^\\S+$', 'a b'],
    ];
    for (const [p, s] of cases) assert.equal(linearPattern(p, 'u').test(s), new RegExp(p, 'u').test(s), `${p} on ${s}`);
  });

  it('throws for a pattern that does not compile, as new RegExp does', () => {
    assert.throws(() => linearPattern('(', 'u'), SyntaxError);
    assert.throws(() => linearPattern('\\-x{', 'u'), SyntaxError);
  });

  it('runs catastrophic patterns in linear time on long strings (34 characters took 90 s before)', () => {
    for (const p of ['^(a+)+$', '^(a|a)*$', '^(a|aa)*$', '^(\\w|\\d)+$', '^a*a*a*b$']) {
      const rx = linearPattern(p, 'u');
      const ms = timed(() => assert.equal(rx.test('a'.repeat(100_000) + '!'), false));
      assert.ok(ms < 1000, `${p}: ${Math.round(ms)} ms`);
      assert.equal(rx.test(p === '^a*a*a*b$' ? 'aab' : 'aaaa'), true, p);
    }
  });

  it('checks strings with characters beyond U+FFFF, and patterns the linear engine cannot run, up to a bounded length', () => {
    const emoji = linearPattern('^(.|.)*$', 'u');
    assert.equal(emoji.test('🙂'.repeat(4)), true, 'u semantics: one character per emoji');
    const before = patternCounters.unchecked;
    const ms = timed(() => assert.equal(emoji.test('🙂' + 'a'.repeat(100_000)), false));
    assert.ok(ms < 1000, `${Math.round(ms)} ms`);
    assert.equal(patternCounters.unchecked, before + 1);
    const letters = linearPattern('^\\p{L}+$', 'u');
    assert.equal(letters.test('héllo'), true);
    assert.equal(letters.test('h3llo'), false);
    assert.equal(letters.test('h'.repeat(1000)), true, 'one repetition: checked at any length');
    const nested = linearPattern('^(\\p{L}+)+$', 'u');
    assert.equal(nested.test('h'.repeat(MAX_BACKTRACKED_UNITS)), true);
    assert.equal(nested.test('h'.repeat(MAX_BACKTRACKED_UNITS + 1)), false, 'nested, longer than the backtracked bound: refused');
    const backref = linearPattern('^(a)\\1$', 'u');
    assert.equal(backref.test('aa'), true);
    assert.equal(backref.test('ab'), false);
  });

  it('checks strings of any length against a pattern the linear engine refuses but that cannot backtrack exponentially ({1,64}, lookaround)', () => {
    const id = linearPattern('^[A-Za-z0-9._-]{1,64}$', 'u');
    assert.equal(id.test('a'.repeat(40)), true, 'the firmware_update package id pattern');
    assert.equal(id.test('a'.repeat(65)), false);
    const noFoo = linearPattern('^(?!foo)[a-z]{3,40}$', 'u');
    assert.equal(noFoo.test('barbazquxbarbazqux'), true);
    assert.equal(noFoo.test('foobarbazquxbarbaz'), false);
    const ms = timed(() => assert.equal(linearPattern('^(\\w{1,20}){1,20}$', 'u').test('a'.repeat(5000) + '!'), false));
    assert.ok(ms < 1000, `nested counted repetition: ${Math.round(ms)} ms`);
  });

  it('tells the patterns that can backtrack without bound from those that cannot', () => {
    for (const p of ['^(a+)+$', '^(a|aa)*$', '(\\w{1,20}){1,20}', '^(a?){25}a{25}$', '^((ab)+c)*$', '^\\d*\\d*x{1,30}$', '(a', '[a-']) assert.equal(repeatsNested(p), true, p);
    for (const p of ['^[A-Za-z0-9._-]{1,64}$', '^(on|off)$', '^(?!foo)[a-z]{3,40}$', '^[(+*]{1,30}$', '^\\(a+\\)$', '^(ab){1,20}$']) assert.equal(repeatsNested(p), false, p);
  });

  it('names each pattern apart (ajv keys compiled patterns by toString)', () => {
    assert.notEqual(String(linearPattern('^a$', 'u')), String(linearPattern('^b$', 'u')));
  });
});
