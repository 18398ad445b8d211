import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { tempDir } from '../helpers/gateway.js';

const child = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));

function run(args: string[], onLine?: (line: string, kill: () => void) => void): Promise<{ lines: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buf = '';
    p.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        onLine?.(line, () => p.kill('SIGKILL'));
      }
    });
    p.on('error', reject);
    p.on('exit', (_code, signal) => resolve({ lines, signal }));
  });
}

describe('crash safety of the action queue', () => {
  it('after SIGKILL every queued action is still there, in order, exactly once', async () => {
    const dir = tempDir();
    const N = 300;
    // Kill in the middle of the stream: everything acknowledged before the kill must survive.
    const first = await run(['enqueue', dir, String(N)], (line, kill) => {
      if (line !== 'done') return;
      kill();
    });
    assert.equal(first.signal, 'SIGKILL');
    const acked = first.lines.filter((l) => l !== 'done');
    assert.equal(acked.length, N);

    const second = await run(['inspect', dir]);
    const pending = JSON.parse(second.lines[0] as string) as Array<{ id: string; times: number }>;
    assert.deepEqual(pending.map((p) => p.id), acked, 'all N, in order, once');
    assert.deepEqual(pending.map((p) => p.times), Array.from({ length: N }, (_, i) => i + 1));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a kill in the middle of enqueuing loses nothing that was acknowledged and duplicates nothing', async () => {
    const dir = tempDir();
    let seen = 0;
    const first = await run(['enqueue', dir, '5000'], (_line, kill) => {
      if (++seen === 150) kill();
    });
    assert.equal(first.signal, 'SIGKILL');
    const acked = first.lines.filter((l) => l !== 'done');
    const second = await run(['inspect', dir]);
    const pending = JSON.parse(second.lines[0] as string) as Array<{ id: string; times: number }>;
    assert.ok(pending.length >= acked.length, `${pending.length} pending, ${acked.length} acknowledged`);
    assert.deepEqual(pending.slice(0, acked.length).map((p) => p.id), acked);
    assert.equal(new Set(pending.map((p) => p.id)).size, pending.length, 'no duplicates');
    assert.deepEqual(pending.map((p) => p.times), Array.from({ length: pending.length }, (_, i) => i + 1), 'no gaps, in order');
    rmSync(dir, { recursive: true, force: true });
  });
});
