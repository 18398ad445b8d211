/**
 * Files that survive a power cut or a hard VM stop as either the old or the new version: write a
 * temp file, fsync it, rename it over, fsync the folder (a rename alone was seen lost, FACTS.md).
 */
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes a file so that a power cut leaves the old or the new one: temp, fsync, rename, fsync dir. */
export function writeFileDurable(path: string, data: Buffer | string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

