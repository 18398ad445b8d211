/**
 * Writes a stream to a file so that a power cut leaves the old file or the whole new one
 * (FACTS.md: temp file, fsync it, rename, fsync the directory).
 */
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsyncDir } from '../store/database.js';

/** Returns the bytes written. */
export async function writeFileDurably(file: string, bytes: AsyncIterable<Uint8Array>, mode = 0o600): Promise<number> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  let n = 0;
  try {
    const counted = Readable.from((async function* () {
      for await (const c of bytes) {
        n += c.length;
        yield c;
      }
    })());
    await pipeline(counted, createWriteStream(tmp, { mode }));
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    fsyncDir(dirname(file));
    return n;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
