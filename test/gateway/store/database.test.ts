import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, openDatabase } from '../../../gateway/store/database.js';
import { HistoryStore } from '../../../gateway/store/history-store.js';
import { MIGRATIONS } from '../../../gateway/store/migrations.js';
import { InternalError } from '../../../protocols/errors.js';
import { tempDir } from '../../helpers/gateway.js';

describe('database and migrations', () => {
  it('creates the schema at the latest version in WAL mode, and reopening changes nothing', () => {
    const dir = tempDir();
    const db = openDatabase({ dataDir: dir, synchronous: 'full' });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2);
    assert.equal(db.pragma('cache_size', { simple: true }), -16384, 'a 16 MiB page cache');
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

  it('migration 7 drops the (thing_id, ts) index of a database made by version 6 and keeps its history readable', () => {
    const dir = tempDir();
    const file = join(dir, 'roost.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    assert.equal(migrate(old, MIGRATIONS.filter((m) => m.version <= 6)), 6);
    const put = old.prepare('INSERT INTO history (thing_id, name, ts, seq, kind, value) VALUES (?, ?, ?, ?, ?, ?)');
    old.transaction(() => {
      for (let i = 0; i < 300; i++) put.run(`urn:roost:t:${i % 3}`, i % 2 ? 'temp' : 'hum', 1000 + i, 5000 + i, i % 5 === 0 ? 1 : 0, JSON.stringify(i));
    })();
    old.close();
    const db = openDatabase({ dataDir: dir, synchronous: 'full' });
    assert.equal(db.pragma('user_version', { simple: true }), 7);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'history'").pluck().all();
    assert.deepEqual(indexes, ['history_seq']);
    assert.equal(db.prepare('SELECT COUNT(*) FROM history').pluck().get(), 300);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const h = new HistoryStore(db, { batchMaxRows: 100, batchMaxMs: 10, bufferMaxRows: 1000, maxQueryRows: 500 });
    // Rows of thing 1 are i = 1, 4, 7, ...: by name and across names, as before the migration.
    assert.deepEqual(h.query({ thingId: 'urn:roost:t:1', name: 'temp', limit: 3 }).map((r) => r.value), [1, 7, 13]);
    assert.deepEqual(h.query({ thingId: 'urn:roost:t:1', limit: 4 }).map((r) => [r.name, r.value]), [['temp', 1], ['hum', 4], ['temp', 7], ['hum', 10]]);
    assert.deepEqual(h.query({ thingId: 'urn:roost:t:1', kind: 'event', from: 1100, order: 'desc', limit: 2 }).map((r) => r.value), [295, 280]);
    h.append('urn:roost:t:1', 'temp', 'property', 2000, 42);
    h.flush();
    assert.equal(h.query({ thingId: 'urn:roost:t:1', order: 'desc', limit: 1 })[0]?.value, 42);
    h.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
