/**
 * Opens the SQLite database (better-sqlite3, WAL) and applies pending migrations.
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InternalError } from '../../protocols/errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  dataDir: string;
  synchronous: 'full' | 'normal';
  /** Defaults to roost.db under dataDir; ':memory:' for unit tests. */
  file?: string;
  /**
   * The WAL's bounds, so that it cannot fill the disk: a checkpoint after this many pages (SQLite's
   * wal_autocheckpoint) and the size the file is cut back to after one (journal_size_limit).
   */
  walAutocheckpointPages?: number;
  journalSizeLimitBytes?: number;
  /**
   * SQLite's page cache for this connection (cache_size), filled only as pages are used. A history
   * commit touches one leaf page per series written: with SQLite's default 2 MB those pages fall
   * out between commits and are read again (docs/durability.md "History write rate").
   */
  cacheBytes?: number;
}

export const DEFAULT_WAL_LIMITS = { walAutocheckpointPages: 500, journalSizeLimitBytes: 2 * 1024 * 1024 } as const;
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

export function openDatabase(opts: OpenOptions): Db {
  let file = opts.file;
  if (!file) {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    // The database holds device credentials and password hashes: the gateway user's alone (docs/security.md).
    chmodSync(opts.dataDir, 0o700);
    file = join(opts.dataDir, 'roost.db');
  }
  const created = file !== ':memory:' && !existsSync(file);
  // Created 0600 whatever the umask, before SQLite opens it: SQLite gives -wal and -shm the database file's mode.
  if (file !== ':memory:') closeSync(openSync(file, 'a', 0o600));
  if (file !== ':memory:') chmodSync(file, 0o600);
  const db = new Database(file);
  // A new file hands pages freed by pruning back to the file system (gateway/disk): only settable before the first table.
  if (created) db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  if (file !== ':memory:') for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  // A new file's directory entry must reach the disk too, or a power cut can lose the whole file.
  if (created) fsyncDir(dirname(file));
  db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // A negative cache_size is in KiB rather than pages.
  db.pragma(`cache_size = ${-Math.ceil((opts.cacheBytes ?? DEFAULT_CACHE_BYTES) / 1024)}`);
  db.pragma(`wal_autocheckpoint = ${opts.walAutocheckpointPages ?? DEFAULT_WAL_LIMITS.walAutocheckpointPages}`);
  db.pragma(`journal_size_limit = ${opts.journalSizeLimitBytes ?? DEFAULT_WAL_LIMITS.journalSizeLimitBytes}`);
  migrate(db, MIGRATIONS);
  return db;
}

/** fsync of a directory, so that files created or renamed in it survive a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Applies every migration newer than the database's user_version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new InternalError(`database schema version ${current} is newer than this gateway (${latest})`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
