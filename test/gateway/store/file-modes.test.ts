/**
 * Secrets at rest (docs/security.md): the data dir is 0700 and the database files 0600 whatever
 * the umask, also when they existed before with looser modes.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../../../gateway/store/database.js';
import { tempDir } from '../../helpers/gateway.js';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('database file modes', () => {
  it('a new data dir is 0700 and roost.db, -wal and -shm are 0600 under umask 000', () => {
    const parent = tempDir();
    const dataDir = join(parent, 'data');
    const old = process.umask(0);
    try {
      const db = openDatabase({ dataDir, synchronous: 'normal' });
      db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      for (const f of ['roost.db', 'roost.db-wal', 'roost.db-shm']) {
        assert.ok(existsSync(join(dataDir, f)), f);
        assert.equal(mode(join(dataDir, f)).toString(8), '600', f);
      }
      assert.equal(mode(dataDir).toString(8), '700');
      db.close();
    } finally {
      process.umask(old);
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('an existing world-readable database and data dir are tightened on open', () => {
    const dataDir = tempDir();
    try {
      openDatabase({ dataDir, synchronous: 'normal' }).close();
      chmodSync(dataDir, 0o755);
      chmodSync(join(dataDir, 'roost.db'), 0o644);
      writeFileSync(join(dataDir, 'roost.db-wal'), '');
      chmodSync(join(dataDir, 'roost.db-wal'), 0o666);
      const db = openDatabase({ dataDir, synchronous: 'normal' });
      assert.equal(mode(dataDir).toString(8), '700');
      for (const f of ['roost.db', 'roost.db-wal', 'roost.db-shm']) assert.equal(mode(join(dataDir, f)).toString(8), '600', f);
      db.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
