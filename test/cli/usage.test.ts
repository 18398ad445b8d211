/**
 * Every command and subcommand answers --help with its usage (exit 0), and an unknown option or
 * a missing argument with one line naming it plus the usage (exit 2), never a stack trace: the
 * table of test/cli/helpers/cli-cases.ts run in this process against the sources.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../../cli/roost.js';
import { checkCase, cliCases, commandPaths } from './helpers/cli-cases.js';

async function roost(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.map((t) => `${t}\n`).join(''), stderr: err.map((t) => `${t}\n`).join('') };
}

describe('roost usage', () => {
  it('covers every subcommand of the table', async () => {
    const names = (await commandPaths()).map((p) => p.join(' '));
    for (const n of ['start', 'demo', 'fleet', 'serial monitor', 'serial send', 'image verify', 'image first-boot', 'zigbee-sim']) assert.ok(names.includes(n), n);
  });

  it('answers --help, an unknown option and a missing argument as the table says', async () => {
    const cases = await cliCases();
    assert.ok(cases.length > 60, `${cases.length} cases`);
    for (const c of cases) checkCase(c, await roost(c.argv));
  });

  it('an unexpected error is one line, not a stack trace (the stack with ROOST_DEBUG=1)', async () => {
    const saved = { ...process.env };
    process.env['ROOST_IMAGE_ESP'] = '/nonexistent-esp';
    delete process.env['ROOST_DEBUG'];
    try {
      const r = await roost(['image', 'status']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^roost: ENOENT: .*\/nonexistent-esp/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      process.env['ROOST_DEBUG'] = '1';
      assert.match((await roost(['image', 'status'])).stderr, /^\s+at \S/m);
    } finally {
      process.env = saved;
    }
  });
});
