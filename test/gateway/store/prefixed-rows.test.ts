import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { openDatabase } from '../../../gateway/store/database.js';
import { PrefixedRows } from '../../../gateway/store/prefixed-rows.js';
import { tempDir } from '../../helpers/gateway.js';

describe('prefixed rows of a key-value table', () => {
  it('reads only its own prefix, in either table, and removes what its parser refuses', () => {
    const dir = tempDir();
    try {
      const db = openDatabase({ dataDir: dir, synchronous: 'normal' });
      const parse = (key: string, value: unknown): { key: string; n: number } | null => (typeof value === 'number' ? { key, n: value } : null);
      for (const table of ['meta', 'uplink_state'] as const) {
        const rows = new PrefixedRows(db, table, 'p:', parse);
        // Neighbours of the prefix's key range: 'p' alone, 'p9' (before ':'), 'p;' (the range's end).
        db.prepare(`INSERT INTO ${table} (key, value) VALUES ('p', '1'), ('p9', '1'), ('p;', '1'), ('q:x', '1')`).run();
        rows.put('b', 2);
        rows.put('a', 1);
        rows.put('bad', 'not a number');
        rows.put('a', 3);
        assert.deepEqual(rows.load(), { rows: [{ key: 'a', n: 3 }, { key: 'b', n: 2 }], unreadable: 1 });
        assert.deepEqual(rows.load().unreadable, 0);
        rows.remove('b');
        assert.deepEqual(rows.load().rows, [{ key: 'a', n: 3 }]);
        const others = db.prepare(`SELECT key FROM ${table} WHERE key NOT LIKE 'p:%' ORDER BY key`).all();
        assert.deepEqual(others, [{ key: 'p' }, { key: 'p9' }, { key: 'p;' }, { key: 'q:x' }]);
      }
      db.prepare("INSERT INTO meta (key, value) VALUES ('p:broken', '{')").run();
      assert.equal(new PrefixedRows(db, 'meta', 'p:', parse).load().unreadable, 1);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
