/**
 * Writes a backup archive of one data dir (docs/backup.md): the SQLite database taken with
 * SQLite's online backup API while the gateway runs (never a file copy), every other file of the
 * data dir (the Zigbee network and coordinator backup, keys and certificates, firmware images),
 * and optionally the configuration, encrypted with the admin's passphrase.
 */
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from '../store/database.js';
import { writeContainer, type EntrySource } from './backup-container.js';
import { encryptArchive, type KdfParams } from './backup-crypto.js';

export const MANIFEST = 'manifest.json';
export const DB_ENTRY = 'db/roost.db';
export const CONFIG_ENTRY = 'config/roost.json';
export const DATA_PREFIX = 'data/';

/** What manifest.json says about an archive. */
export interface BackupManifest {
  format: 1;
  createdAt: number;
  /** The database's migration level (PRAGMA user_version): a gateway older than this refuses it. */
  schemaVersion: number;
  files: string[];
}

/** Names in the data dir a backup leaves out: the live database (taken by online backup) and the backup machinery's own files. */
export function excludedFromBackup(name: string): boolean {
  return /^roost\.db(-wal|-shm|-journal)?$/.test(name) || name === 'backups' || name.startsWith('.backup-') || name.startsWith('restore-') || name === '.disk-reserve' || name === 'update-upload';
}

export interface CreateBackupOptions {
  dataDir: string;
  passphrase: string;
  /** The gateway's open database; without it a second connection to <dataDir>/roost.db is opened. */
  db?: Db;
  /** The configuration file's text, kept as config/roost.json. */
  configText?: string;
  now?: number;
  kdf?: KdfParams;
}

async function dataFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (!rel && excludedFromBackup(d.name)) continue;
    if (d.isDirectory()) out.push(...await dataFiles(root, r));
    else if (d.isFile()) out.push(r);
  }
  return out.sort();
}

function bufferEntry(name: string, mode: number, bytes: Buffer): EntrySource {
  return { name, mode, size: bytes.length, open: async function* () { yield bytes; } };
}

/** The archive's bytes, streamed. Its temporary database copy is removed when the stream ends or is abandoned. */
export async function* createBackup(opts: CreateBackupOptions): AsyncGenerator<Buffer> {
  const now = opts.now ?? Date.now();
  const tmp = await mkdtemp(join(opts.dataDir, '.backup-'));
  try {
    const dbCopy = join(tmp, 'roost.db');
    const own = opts.db ? null : new Database(join(opts.dataDir, 'roost.db'), { fileMustExist: true });
    try {
      // SQLite's online backup (sqlite3_backup_step): a consistent snapshot while writers go on.
      await (opts.db ?? own!).backup(dbCopy);
    } finally {
      own?.close();
    }
    const copy = new Database(dbCopy, { readonly: true });
    const schemaVersion = copy.pragma('user_version', { simple: true }) as number;
    copy.close();
    const entries: EntrySource[] = [];
    const dbSize = (await stat(dbCopy)).size;
    entries.push({ name: DB_ENTRY, mode: 0o600, size: dbSize, open: () => createReadStream(dbCopy) });
    if (opts.configText !== undefined) entries.push(bufferEntry(CONFIG_ENTRY, 0o600, Buffer.from(opts.configText, 'utf8')));
    for (const rel of await dataFiles(opts.dataDir)) {
      const p = join(opts.dataDir, rel);
      // Small files (keys, network settings): read whole, so one that is rewritten meanwhile is still consistent.
      const [bytes, st] = await Promise.all([readFile(p), lstat(p)]);
      entries.push(bufferEntry(DATA_PREFIX + rel, st.mode, bytes));
    }
    const manifest: BackupManifest = { format: 1, createdAt: now, schemaVersion, files: entries.map((e) => e.name) };
    entries.unshift(bufferEntry(MANIFEST, 0o600, Buffer.from(JSON.stringify(manifest, null, 2), 'utf8')));
    yield* encryptArchive(writeContainer(entries), opts.passphrase, { now, ...(opts.kdf ? { kdf: opts.kdf } : {}) });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
