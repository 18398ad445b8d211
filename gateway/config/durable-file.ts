/**
 * Files that survive a power cut as either the old or the new version: temp file, fsync, rename
 * over, fsync the folder (a rename alone was seen lost, FACTS.md). The config the API saves and
 * the gateway's TLS key go through here.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir } from '../store/database.js';

export function writeFileDurable(path: string, data: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}
