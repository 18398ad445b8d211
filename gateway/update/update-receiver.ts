/**
 * Takes an uploaded `.roostupd` (POST /update) into a file in the data dir, never into memory and
 * never into a slot: protocols/update's streaming verifier checks the signature as soon as the
 * header is in (before a payload byte is kept), then the architecture, the downgrade rule and the
 * room on the data partition; each payload's hash is checked as it passes and the size at the end.
 * Only a file that passed all of it is handed back; anything else is deleted and the typed error
 * thrown: UnauthenticatedError (signature, key, hash), BadRequestError (malformed, truncated,
 * too long), PreconditionFailedError (architecture), ConflictError (downgrade without force),
 * PayloadTooLargeError (limit, no room).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { BadRequestError, ConflictError, PayloadTooLargeError, PreconditionFailedError } from '../../protocols/errors.js';
import type { UpdateManifest } from '../../protocols/update/update-format.js';
import { UpdateStreamVerifier } from '../../protocols/update/update-stream-verifier.js';
import { fsyncDir } from '../store/database.js';
import { compareVersions } from './release-version.js';

export interface ReceiveOptions {
  /** Folder for the upload (in the data dir, so the upload never sits in RAM or /tmp). */
  dir: string;
  trustedKeys: ReadonlyMap<string, Uint8Array>;
  /** This device's architecture. */
  arch: string;
  /** The running release; an older upload is refused unless force. */
  runningVersion: string;
  force: boolean;
  /** Largest update file accepted. */
  maxBytes: number;
  /** Bytes the data partition must keep free besides the upload (history and the queue need room). */
  keepFreeBytes: number;
  freeBytes?: (dir: string) => Promise<number>;
  onHeader?: (manifest: UpdateManifest, totalBytes: number) => void;
  onProgress?: (receivedBytes: number) => void;
}

export interface ReceivedUpdate {
  file: string;
  manifest: UpdateManifest;
  bytes: number;
}

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

async function admit(m: UpdateManifest, totalBytes: number, o: ReceiveOptions): Promise<void> {
  if (m.arch !== o.arch) throw new PreconditionFailedError(`update is for ${m.arch}, this device is ${o.arch}`);
  if (!o.force && compareVersions(m.version, o.runningVersion) < 0) {
    throw new ConflictError(`update ${m.version} is older than the running ${o.runningVersion}: a downgrade needs force`);
  }
  if (totalBytes > o.maxBytes) throw new PayloadTooLargeError(`update file is ${totalBytes} bytes, the limit (update.maxBytes) is ${o.maxBytes}`);
  const free = await (o.freeBytes ?? statfsFree)(o.dir);
  if (totalBytes + o.keepFreeBytes > free) {
    throw new PayloadTooLargeError(`update file is ${totalBytes} bytes; the data partition has ${free} free and keeps ${o.keepFreeBytes} (update.keepFreeBytes)`);
  }
}

/** The source's own failures (a client that went away) as a typed error: the upload is truncated. */
async function* interrupted(source: AsyncIterable<Uint8Array>, received: () => number): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  for (;;) {
    let r: IteratorResult<Uint8Array>;
    try {
      r = await it.next();
    } catch (err) {
      throw new BadRequestError(`update file: the upload broke off after ${received()} bytes (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (r.done) return;
    yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
  }
}

/** Streams the upload into `<dir>/upload-*.roostupd`, checked as described above. */
export async function receiveUpdate(source: AsyncIterable<Uint8Array>, o: ReceiveOptions): Promise<ReceivedUpdate> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const file = join(o.dir, `upload-${randomBytes(6).toString('hex')}.roostupd`);
  const verifier = new UpdateStreamVerifier(o.trustedKeys);
  const fh = await open(file, 'wx', 0o600);
  try {
    for await (const chunk of interrupted(source, () => verifier.received)) {
      if (verifier.push(chunk)) {
        const h = verifier.header!;
        await admit(h.manifest, h.totalBytes, o);
        o.onHeader?.(h.manifest, h.totalBytes);
      }
      await fh.write(chunk);
      o.onProgress?.(verifier.received);
    }
    const header = verifier.finish();
    await fh.sync();
    await fh.close();
    fsyncDir(o.dir);
    return { file, manifest: header.manifest, bytes: header.totalBytes };
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(file, { force: true });
    throw err;
  }
}
