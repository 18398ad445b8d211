/**
 * Version and commit of this build. The bundle (image/bundle.ts) defines ROOST_COMMIT at build
 * time; from a source checkout the commit is read from git.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

declare const ROOST_COMMIT: string | undefined;
declare const ROOST_VERSION: string | undefined;

export function version(): string {
  if (typeof ROOST_VERSION === 'string') return ROOST_VERSION;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function commit(): string {
  if (typeof ROOST_COMMIT === 'string') return ROOST_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: new URL('../..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function versionString(): string {
  return `roost ${version()} (${commit()})`;
}
