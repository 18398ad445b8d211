import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PendingReplyStore } from '../../../gateway/mqtt/pending-replies.js';
import { openDatabase } from '../../../gateway/store/database.js';
import { tempDir } from '../../helpers/gateway.js';

describe('pending MQTT replies store', () => {
  it('keeps rows per prefix, oldest first, and leaves other meta keys alone', () => {
    const dir = tempDir();
    try {
      const db = openDatabase({ dataDir: dir, synchronous: 'normal' });
      db.prepare("INSERT INTO meta (key, value) VALUES ('rule_trigger:r1', '{}'), ('mqtt-replz', 'x')").run();
      const local = new PendingReplyStore(db, 'mqtt-reply:');
      const up = new PendingReplyStore(db, 'uplink-reply:');
      local.save('item-b', { topic: 'replies/b', correlation: { correlationData: { n: 2 } }, at: 20 });
      local.save('item-a', { topic: 'replies/a', correlation: {}, at: 10 });
      up.save('item-c', { topic: 'up/c', correlation: { correlationData: null }, at: 5 });
      assert.deepEqual(local.load(), {
        rows: [
          { itemId: 'item-a', topic: 'replies/a', correlation: {}, at: 10 },
          { itemId: 'item-b', topic: 'replies/b', correlation: { correlationData: { n: 2 } }, at: 20 },
        ],
        unreadable: 0,
      });
      assert.deepEqual(up.load().rows, [{ itemId: 'item-c', topic: 'up/c', correlation: { correlationData: null }, at: 5 }]);
      local.remove('item-a');
      assert.deepEqual(local.load().rows.map((r) => r.itemId), ['item-b']);
      const others = db.prepare("SELECT key FROM meta WHERE key IN ('rule_trigger:r1', 'mqtt-replz') ORDER BY key").all();
      assert.deepEqual(others, [{ key: 'mqtt-replz' }, { key: 'rule_trigger:r1' }]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops and counts rows it cannot read', () => {
    const dir = tempDir();
    try {
      const db = openDatabase({ dataDir: dir, synchronous: 'normal' });
      const store = new PendingReplyStore(db, 'mqtt-reply:');
      db.prepare("INSERT INTO meta (key, value) VALUES ('mqtt-reply:x', 'not json'), ('mqtt-reply:y', '{\"topic\":1,\"at\":1,\"correlation\":{}}')").run();
      store.save('ok', { topic: 't', correlation: {}, at: 1 });
      const loaded = store.load();
      assert.equal(loaded.unreadable, 2);
      assert.deepEqual(loaded.rows.map((r) => r.itemId), ['ok']);
      assert.equal(store.load().unreadable, 0);
      assert.throws(() => new PendingReplyStore(db, ''), RangeError);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
