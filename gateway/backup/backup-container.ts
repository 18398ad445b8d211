/**
 * The plaintext inside a backup's encryption (docs/backup.md): a sequence of file entries
 * (name, mode, size, bytes, SHA-256) closed by an end entry with the file count. Written and read
 * by our own code, streaming: the database copy is never held in memory.
 */
import { createHash } from 'node:crypto';
import { BadRequestError } from '../../protocols/errors.js';
import { ByteReader, TruncatedError } from './byte-reader.js';

const KIND_END = 0;
const KIND_FILE = 1;
const MAX_NAME_BYTES = 1024;
const CHUNK = 64 * 1024;

/** One file to put in an archive: its bytes come from `open()` and must total `size`. */
export interface EntrySource {
  name: string;
  mode: number;
  size: number;
  open(): AsyncIterable<Uint8Array>;
}

/** Archive entry names: relative, '/'-separated, no '.', '..' or empty parts. */
export function checkEntryName(name: string): void {
  const parts = name.split('/');
  if (name.length === 0 || Buffer.byteLength(name) > MAX_NAME_BYTES || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    throw new BadRequestError(`damaged archive: bad entry name ${JSON.stringify(name)}`);
  }
}

export async function* writeContainer(entries: readonly EntrySource[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    checkEntryName(e.name);
    const name = Buffer.from(e.name, 'utf8');
    const head = Buffer.alloc(1 + 2 + name.length + 4 + 8);
    head.writeUInt8(KIND_FILE, 0);
    head.writeUInt16BE(name.length, 1);
    name.copy(head, 3);
    head.writeUInt32BE(e.mode & 0o7777, 3 + name.length);
    head.writeBigUInt64BE(BigInt(e.size), 7 + name.length);
    yield head;
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of e.open()) {
      n += chunk.length;
      if (n > e.size) throw new Error(`${e.name} grew while it was archived`);
      hash.update(chunk);
      yield Buffer.from(chunk);
    }
    if (n !== e.size) throw new Error(`${e.name} shrank while it was archived (${n} of ${e.size} bytes)`);
    yield hash.digest();
  }
  const end = Buffer.alloc(5);
  end.writeUInt8(KIND_END, 0);
  end.writeUInt32BE(entries.length, 1);
  yield end;
}

/** What readContainer hands its sink for one entry; `chunks` must be read to the end. */
export interface EntryRead {
  name: string;
  mode: number;
  size: number;
  chunks: AsyncIterable<Buffer>;
}

/**
 * Reads the entries in order, giving each to `sink` (which writes it somewhere staged); checks every
 * SHA-256 and the end entry's count. Returns the names read.
 */
export async function readContainer(plain: AsyncIterable<Uint8Array>, sink: (e: EntryRead) => Promise<void>): Promise<string[]> {
  const r = new ByteReader(plain);
  const names: string[] = [];
  try {
    for (;;) {
      const kind = (await r.read(1, 'an entry'))[0];
      if (kind === KIND_END) {
        const count = (await r.read(4, 'the end entry')).readUInt32BE(0);
        if (count !== names.length) throw new BadRequestError(`damaged archive: ${names.length} entries, the end entry says ${count}`);
        if (!(await r.atEnd())) throw new BadRequestError('damaged archive: data after the end entry');
        return names;
      }
      if (kind !== KIND_FILE) throw new BadRequestError(`damaged archive: unknown entry kind ${kind}`);
      const nameLen = (await r.read(2, 'an entry name')).readUInt16BE(0);
      if (nameLen > MAX_NAME_BYTES) throw new BadRequestError('damaged archive: entry name too long');
      const name = (await r.read(nameLen, 'an entry name')).toString('utf8');
      checkEntryName(name);
      if (names.includes(name)) throw new BadRequestError(`damaged archive: ${name} twice`);
      const meta = await r.read(12, `the header of ${name}`);
      const mode = meta.readUInt32BE(0) & 0o7777;
      const size = Number(meta.readBigUInt64BE(4));
      if (!Number.isSafeInteger(size)) throw new BadRequestError(`damaged archive: ${name} has an impossible size`);
      const hash = createHash('sha256');
      let left = size;
      async function* chunks(): AsyncGenerator<Buffer> {
        while (left > 0) {
          const c = await r.readSome(Math.min(left, CHUNK), name);
          left -= c.length;
          hash.update(c);
          yield Buffer.from(c);
        }
      }
      await sink({ name, mode, size, chunks: chunks() });
      if (left > 0) for await (const _ of chunks()) { /* the sink stopped early: skip the rest */ }
      const digest = await r.read(32, `the checksum of ${name}`);
      if (!digest.equals(hash.digest())) throw new BadRequestError(`damaged archive: ${name} fails its SHA-256`);
      names.push(name);
    }
  } catch (err) {
    if (err instanceof TruncatedError) throw new BadRequestError(`truncated archive: ${err.message}`);
    throw err;
  }
}
