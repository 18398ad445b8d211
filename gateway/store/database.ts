/**
 * Opens the SQLite database (better-sqlite3, WAL) and applies pending migrations.
 */
import { mkdirSync } from 'node:fs';
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
}

export function openDatabase(opts: OpenOptions): Db {
  let file = opts.file;
  if (!file) {
    mkdirSync(opts.dataDir, { recursive: true });
    file = join(opts.dataDir, 'roost.db');
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, MIGRATIONS);
  return db;
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
