import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, openDatabase } from '../../../gateway/store/database.js';
import { MIGRATIONS } from '../../../gateway/store/migrations.js';
import { InternalError } from '../../../protocols/errors.js';
import { tempDir } from '../../helpers/gateway.js';

describe('database and migrations', () => {
  it('creates the schema at the latest version in WAL mode, and reopening changes nothing', () => {
    const dir = tempDir();
    const db = openDatabase({ dataDir: dir, synchronous: 'full' });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2);
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.at(-1)?.version);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    for (const t of ['actions', 'history', 'meta', 'things', 'twin', 'users']) assert.ok(tables.includes(t), t);
    db.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
    db.close();
    const again = openDatabase({ dataDir: dir, synchronous: 'normal' });
    assert.equal(again.prepare("SELECT value FROM meta WHERE key = 'k'").pluck().get(), 'v');
    again.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bounds the WAL: checkpoints after walAutocheckpointPages and cuts the file back to journalSizeLimitBytes', () => {
    const dir = tempDir();
    const db = openDatabase({ dataDir: dir, synchronous: 'normal', walAutocheckpointPages: 64, journalSizeLimitBytes: 256 * 1024 });
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 64);
    assert.equal(db.pragma('journal_size_limit', { simple: true }), 256 * 1024);
    const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    const value = 'x'.repeat(8000);
    let largest = 0;
    // 16 MB through the WAL in 2000 commits: unbounded, the file would keep growing.
    for (let i = 0; i < 2000; i++) {
      put.run(`k${i % 500}`, value + i);
      if (i % 50 === 0) largest = Math.max(largest, statSync(join(dir, 'roost.db-wal')).size);
    }
    assert.ok(largest < 1024 * 1024, `WAL reached ${largest} bytes`);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies only the migrations newer than the file, each once', () => {
    const db = new Database(':memory:');
    const steps = [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x)' },
      { version: 2, name: 'b', sql: 'CREATE TABLE b (x)' },
    ];
    assert.equal(migrate(db, steps.slice(0, 1)), 1);
    assert.equal(migrate(db, steps), 2);
    assert.equal(migrate(db, steps), 2);
    db.close();
  });

  it('rolls a failing migration back whole', () => {
    const db = new Database(':memory:');
    assert.throws(() => migrate(db, [{ version: 1, name: 'bad', sql: 'CREATE TABLE ok (x); CREATE TABLE ok (x);' }]));
    assert.equal(db.pragma('user_version', { simple: true }), 0);
    assert.equal(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ok'").pluck().get(), 0);
    db.close();
  });

  it('refuses a database written by a newer gateway', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 99');
    assert.throws(() => migrate(db, MIGRATIONS), InternalError);
    db.close();
  });
});
