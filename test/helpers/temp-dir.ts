/**
 * Temporary directories for tests and benchmarks. Each one is removed when its process exits,
 * whatever happened before: a failed assertion skips the test's own cleanup, and a run of
 * `make test` must not leave hundreds of directories in the machine's temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

/** A new directory under the OS temp folder, named `prefix` + random; gone at process exit. */
export function tempDir(prefix = 'roost-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.size === 0) process.once('exit', removeAll);
  made.add(dir);
  return dir;
}

function removeAll(): void {
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Still a mount point (a test's tmpfs it failed to unmount): nothing more to do at exit.
    }
  }
}
