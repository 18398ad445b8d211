import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
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
