/**
 * Restores a backup archive into a data dir in two steps (docs/backup.md). `stageRestore` reads
 * the whole archive into a staging folder beside the data, checks every tag and checksum, the
 * manifest and the database, moves the OSCORE sequence numbers forward, and only then renames the
 * folder to `restore-pending` (atomic): a wrong passphrase, a truncated or damaged archive or one
 * from a newer Roost changes nothing. `applyPendingRestore` (at the next start, before the
 * database opens, or at once from `roost backup restore`) moves the staged files into place by
 * rename; it can be interrupted and run again.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, statfs, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { BadRequestError, ConflictError, PayloadTooLargeError } from '../../protocols/errors.js';
import { fsyncDir } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';
import { readContainer } from './backup-container.js';
import { CONFIG_ENTRY, DATA_PREFIX, DB_ENTRY, MANIFEST, type BackupManifest } from './backup-create.js';
import { decryptSegments, readHeader } from './backup-crypto.js';
import { ByteReader } from './byte-reader.js';

export const PENDING_DIR = 'restore-pending';
/** Where a restored configuration lands in the data dir (the admin moves it where `--config` reads). */
export const RESTORED_CONFIG = 'config.restored.json';

/**
 * OSCORE Sender Sequence Numbers (RFC 8613 §7.2.1) the gateway may have used after the backup was
 * taken must never be used again. A restore moves every stored number forward by this floor plus
 * SEQ_PER_SECOND for every second the backup is old: far more than a gateway sends to one device.
 */
export const OSCORE_SEQ_FLOOR = 2 ** 24;
export const OSCORE_SEQ_PER_SECOND = 100;
/** RFC 8613 §7.2.1: a Partial IV is at most 5 bytes. */
const OSCORE_SEQ_MAX = 2 ** 40 - 1;
const OSCORE_SEQ_KEY = 'oscore:seq:';

export interface StageResult {
  manifest: BackupManifest;
  /** Milliseconds between the backup and the restore (0 if the clock says the backup is from the future). */
  ageMs: number;
  /** OSCORE sequence numbers moved forward, and by how much. */
  oscoreContexts: number;
  oscoreMargin: number;
}

export function oscoreMargin(ageMs: number): number {
  return OSCORE_SEQ_FLOOR + Math.ceil(Math.max(0, ageMs) / 1000) * OSCORE_SEQ_PER_SECOND;
}

/** Moves every stored OSCORE sequence number of every binding forward by `margin`, in one transaction. */
export function bumpOscoreSequences(db: Database.Database, margin: number): number {
  const rows = db.prepare("SELECT binding, key, value FROM binding_state WHERE key LIKE 'oscore:seq:%'").all() as Array<{ binding: string; key: string; value: string }>;
  const upd = db.prepare('UPDATE binding_state SET value = ? WHERE binding = ? AND key = ?');
  let n = 0;
  db.transaction(() => {
    for (const r of rows) {
      if (!r.key.startsWith(OSCORE_SEQ_KEY)) continue;
      const v = JSON.parse(r.value) as unknown;
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) continue;
      upd.run(JSON.stringify(Math.min(v + margin, OSCORE_SEQ_MAX)), r.binding, r.key);
      n++;
    }
  })();
  return n;
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function walk(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...await walk(root, r));
    else out.push(r);
  }
  return out;
}

/** Data dirs with a restore being staged in this process: one at a time, or two would race for restore-pending. */
const staging = new Set<string>();

/** The manifest's bytes as a manifest; BadRequestError for anything else (they decrypted: the archive was made or altered with the passphrase). */
function parseManifest(bytes: Buffer): BackupManifest {
  let m: unknown;
  try {
    m = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new BadRequestError(`damaged archive: ${MANIFEST} is not JSON`);
  }
  const o = (typeof m === 'object' && m !== null ? m : {}) as Partial<Record<keyof BackupManifest, unknown>>;
  if (!Number.isFinite(o.createdAt) || !Array.isArray(o.files)) throw new BadRequestError(`damaged archive: ${MANIFEST} lacks createdAt or files`);
  return m as BackupManifest;
}

/**
 * Reads, checks and stages an archive; see the file's comment. Throws BadRequestError (nothing
 * changed) on a bad one, ConflictError while another restore of the same data dir is staged.
 */
export interface StageOptions {
  dataDir: string;
  passphrase: string;
  now?: number;
  /**
   * Room the data partition keeps besides the staged files: the running gateway's database goes on
   * growing there until the restore is applied (the route passes disk.lowFreeBytes, below which the
   * disk watcher would prune history for it). An entry that would leave less is refused, as is
   * one the file system refuses (ENOSPC): PayloadTooLargeError, the staging folder removed.
   */
  keepFreeBytes?: number;
  /** Free bytes of the file system holding `dir` (tests); statfs by default. */
  freeBytes?: (dir: string) => Promise<number>;
}

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

export async function stageRestore(source: AsyncIterable<Uint8Array>, opts: StageOptions): Promise<StageResult> {
  if (staging.has(opts.dataDir)) throw new ConflictError('a restore is being staged already; wait for its answer');
  staging.add(opts.dataDir);
  try {
    return await stage(source, opts);
  } finally {
    staging.delete(opts.dataDir);
  }
}

async function stage(source: AsyncIterable<Uint8Array>, opts: StageOptions): Promise<StageResult> {
  const r = new ByteReader(source);
  // The version is checked before the passphrase: a newer archive is named as such whatever the passphrase.
  const header = await readHeader(r);
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const folder = join(opts.dataDir, `restore-staging-${process.pid}-${Date.now()}`);
  await mkdir(folder, { mode: 0o700 });
  try {
    let manifest: BackupManifest | null = null;
    const names = await readContainer(decryptSegments(r, header, opts.passphrase), async (e) => {
      if (manifest === null) {
        if (e.name !== MANIFEST) throw new BadRequestError(`damaged archive: it starts with ${e.name}, not ${MANIFEST}`);
        if (e.size > 1024 * 1024) throw new BadRequestError('damaged archive: manifest too large');
        const parts: Buffer[] = [];
        for await (const c of e.chunks) parts.push(c);
        const bytes = Buffer.concat(parts);
        manifest = parseManifest(bytes);
        const latest = MIGRATIONS.at(-1)?.version ?? 0;
        if (typeof manifest.schemaVersion !== 'number' || manifest.schemaVersion > latest) {
          throw new BadRequestError(`the archive is from a newer Roost (database schema ${String(manifest.schemaVersion)}, this gateway knows up to ${latest}): restore it with a newer Roost`);
        }
        await writeFile(join(folder, MANIFEST), bytes, { mode: 0o600 });
        return;
      }
      const dest = join(folder, e.name);
      await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
      const keep = opts.keepFreeBytes ?? 0;
      const free = await (opts.freeBytes ?? statfsFree)(folder);
      if (e.size + keep > free) {
        throw new PayloadTooLargeError(`the archive's ${e.name} is ${e.size} bytes; the data partition has ${free} free and keeps ${keep} (disk.lowFreeBytes): nothing was restored`);
      }
      await pipeline(Readable.from(e.chunks), createWriteStream(dest, { mode: 0o600 }));
      await chmod(dest, e.mode & 0o777);
      await fsyncFile(dest);
    });
    const m = manifest as BackupManifest | null;
    if (m === null || !names.includes(DB_ENTRY)) throw new BadRequestError(`damaged archive: no ${m === null ? MANIFEST : DB_ENTRY}`);
    const dbFile = join(folder, DB_ENTRY);
    const ageMs = Math.max(0, (opts.now ?? Date.now()) - m.createdAt);
    const margin = oscoreMargin(ageMs);
    let oscoreContexts: number;
    const db = new Database(dbFile);
    try {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new BadRequestError(`the archive's database fails SQLite's quick_check: ${String(check)}`);
      db.pragma('journal_mode = DELETE');
      db.pragma('synchronous = FULL');
      oscoreContexts = bumpOscoreSequences(db, margin);
    } finally {
      db.close();
    }
    await fsyncFile(dbFile);
    for (const d of [dirname(dbFile), folder]) fsyncDir(d);
    const pending = join(opts.dataDir, PENDING_DIR);
    await rm(pending, { recursive: true, force: true });
    await rename(folder, pending);
    fsyncDir(opts.dataDir);
    return { manifest: m, ageMs, oscoreContexts, oscoreMargin: margin };
  } catch (err) {
    await rm(folder, { recursive: true, force: true });
    // Something else filled the partition meanwhile (the running gateway's own writes, a file larger than its entry said).
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'SQLITE_FULL') throw new PayloadTooLargeError(`the data partition filled up while the archive was staged (${String(code)}): nothing was restored`, undefined, { cause: err });
    throw err;
  }
}

/** True when a staged restore waits in the data dir. */
export function restorePending(dataDir: string): boolean {
  return existsSync(join(dataDir, PENDING_DIR));
}

/**
 * Moves a staged restore into place (the gateway must not have the database open): data files
 * first, the configuration, then the database, its old WAL and shared memory removed first (an old
 * WAL replayed into the restored file would corrupt it). Returns false when nothing was pending.
 */
export async function applyPendingRestore(dataDir: string): Promise<boolean> {
  const pending = join(dataDir, PENDING_DIR);
  if (!existsSync(pending)) return false;
  const files = await walk(pending);
  for (const rel of files) {
    if (!rel.startsWith(DATA_PREFIX)) continue;
    const dest = join(dataDir, rel.slice(DATA_PREFIX.length));
    await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
    await rename(join(pending, rel), dest);
    fsyncDir(dirname(dest));
  }
  if (files.includes(CONFIG_ENTRY)) await rename(join(pending, CONFIG_ENTRY), join(dataDir, RESTORED_CONFIG));
  if (files.includes(DB_ENTRY)) {
    for (const f of ['roost.db-wal', 'roost.db-shm', 'roost.db-journal']) await unlink(join(dataDir, f)).catch(() => undefined);
    await rename(join(pending, DB_ENTRY), join(dataDir, 'roost.db'));
  }
  fsyncDir(dataDir);
  await rm(pending, { recursive: true, force: true });
  fsyncDir(dataDir);
  return true;
}

/** The manifest of a staged restore, or null. */
export async function pendingManifest(dataDir: string): Promise<BackupManifest | null> {
  try {
    return JSON.parse(await readFile(join(dataDir, PENDING_DIR, MANIFEST), 'utf8')) as BackupManifest;
  } catch {
    return null;
  }
}
