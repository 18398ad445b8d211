/**
 * Hono commands and unsent answers in uplink_state: kept across closing and reopening the
 * database, oldest first, removed one by one, and rows that do not parse dropped and counted
 * without touching the uplink's own cursor row.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HonoPendingStore } from '../../../gateway/uplink/hono-pending.js';
import { openDatabase } from '../../../gateway/store/database.js';
import { tempDir } from '../../helpers/gateway.js';

describe('HonoPendingStore', () => {
  it('keeps commands and answers across a reopen, oldest first; drops unreadable rows only', () => {
    const dir = tempDir();
    try {
      let db = openDatabase({ dataDir: dir, synchronous: 'normal' });
      let store = new HonoPendingStore(db);
      store.save('item-b', { thingId: 'urn:t:b', reqId: 'r2' }, 2000);
      store.save('item-a', { thingId: 'urn:t:a', reqId: 'r1' }, 1000);
      store.save('refused:3:1', { thingId: 'urn:t:c', reqId: 'r3' }, 3000, { status: 404, body: { error: { code: 'ROOST_ERR_ACTION_NOT_FOUND' } } });
      store.save('item-b', { thingId: 'urn:t:b', reqId: 'r2' }, 2000, { status: 204, body: null });
      db.prepare("INSERT INTO uplink_state (key, value) VALUES ('hono:broken', '{')").run();
      db.prepare("INSERT INTO uplink_state (key, value) VALUES ('hono:no-at', '{\"thingId\":\"x\",\"reqId\":\"y\"}')").run();
      db.prepare("INSERT INTO uplink_state (key, value) VALUES ('cursor', '42')").run();
      db.close();

      db = openDatabase({ dataDir: dir, synchronous: 'normal' });
      store = new HonoPendingStore(db);
      const { rows, unreadable } = store.load();
      assert.equal(unreadable, 2);
      assert.deepEqual(rows, [
        { key: 'item-a', request: { thingId: 'urn:t:a', reqId: 'r1' }, at: 1000 },
        { key: 'item-b', request: { thingId: 'urn:t:b', reqId: 'r2' }, at: 2000, unsent: { status: 204, body: null } },
        { key: 'refused:3:1', request: { thingId: 'urn:t:c', reqId: 'r3' }, at: 3000, unsent: { status: 404, body: { error: { code: 'ROOST_ERR_ACTION_NOT_FOUND' } } } },
      ]);
      store.remove('item-a');
      assert.deepEqual(store.load().rows.map((r) => r.key), ['item-b', 'refused:3:1']);
      assert.equal(store.load().unreadable, 0, 'unreadable rows were deleted');
      assert.equal(db.prepare("SELECT value FROM uplink_state WHERE key = 'cursor'").pluck().get(), '42', 'the uplink cursor is not a Hono row');
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
