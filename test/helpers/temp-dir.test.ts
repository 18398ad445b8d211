/** tempDir's promise: what a process made with it is gone once the process has exited, however it ended. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HELPER = fileURLToPath(new URL('./temp-dir.ts', import.meta.url));

/** Runs a child that makes two directories with a file each, prints their paths, then ends by `end`. */
function child(end: string): { dirs: string[]; status: number | null } {
  const script = `
    import { writeFileSync } from 'node:fs';
    import { join } from 'node:path';
    const { tempDir } = await import(${JSON.stringify(HELPER)});
    const dirs = [tempDir('roost-tempdir-test-'), tempDir('roost-tempdir-test-')];
    for (const d of dirs) writeFileSync(join(d, 'f'), 'x');
    console.log(JSON.stringify(dirs));
    ${end}
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const dirs = JSON.parse(r.stdout.trim().split('\n')[0] ?? '[]') as string[];
  return { dirs, status: r.status };
}

test('the directories go when the process ends normally', () => {
  const { dirs, status } = child('');
  assert.equal(status, 0);
  assert.equal(dirs.length, 2);
  for (const d of dirs) assert.equal(existsSync(d), false, d);
});

test('the directories go when the process ends on an uncaught error or process.exit', () => {
  for (const end of ["throw new Error('a failed test');", 'process.exit(3);']) {
    const { dirs, status } = child(end);
    assert.notEqual(status, 0, end);
    assert.equal(dirs.length, 2, end);
    for (const d of dirs) assert.equal(existsSync(d), false, `${end}: ${d}`);
  }
});
