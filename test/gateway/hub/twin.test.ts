import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Twin } from '../../../gateway/hub/twin.js';
import { openDatabase } from '../../../gateway/store/database.js';
import { HistoryStore } from '../../../gateway/store/history-store.js';
import { tempDir } from '../../helpers/gateway.js';

function open(dir = tempDir()) {
  const db = openDatabase({ dataDir: dir, synchronous: 'normal' });
  const h = new HistoryStore(db, { batchMaxRows: 100, batchMaxMs: 10, bufferMaxRows: 1000, maxQueryRows: 500 });
  return { dir, twin: new Twin(h), h, db, close: () => { h.close(); db.close(); } };
}

const tv = (value: unknown, ts: number) => ({ value, ts, source: 'device' });

describe('Twin', () => {
  it('keeps the newest value of each property of each thing', () => {
    const { dir, twin, close } = open();
    assert.equal(twin.set('a', 'temp', tv(20, 100)), true);
    assert.equal(twin.set('a', 'humidity', tv(50, 100)), true);
    assert.equal(twin.set('a', 'temp', tv(19, 50)), false, 'an older value');
    assert.equal(twin.set('a', 'temp', tv(21, 200)), true);
    assert.equal(twin.set('b', 'temp', tv(5, 1)), true);
    assert.deepEqual(twin.get('a', 'temp'), tv(21, 200));
    assert.equal(twin.get('a', 'battery'), undefined);
    assert.equal(twin.get('c', 'temp'), undefined);
    assert.deepEqual(twin.all('a'), { temp: tv(21, 200), humidity: tv(50, 100) });
    assert.deepEqual(twin.all('c'), {});
    close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a value older than one stamped in the future (after notAfter)', () => {
    const { dir, twin, close } = open();
    twin.set('a', 'temp', tv(99, 10_000));
    assert.equal(twin.set('a', 'temp', tv(20, 100), 5_000), true);
    assert.deepEqual(twin.get('a', 'temp'), tv(20, 100));
    close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('comes back from the store after a restart, without the things it forgot, buffered or stored', () => {
    const first = open();
    first.twin.set('a', 'temp', tv(20, 100));
    first.twin.set('gone', 'temp', tv(1, 100));
    first.h.flush();
    first.twin.set('gone', 'humidity', tv(2, 101)); // still buffered when the thing goes
    first.twin.set('a', 'humidity', tv(40, 101));
    first.twin.forget('gone');
    assert.equal(first.twin.get('gone', 'temp'), undefined);
    first.h.flush();
    first.close();
    const second = open(first.dir);
    assert.deepEqual(second.twin.all('a'), { temp: tv(20, 100), humidity: tv(40, 101) });
    assert.deepEqual(second.twin.all('gone'), {});
    assert.equal(second.db.prepare("SELECT COUNT(*) FROM twin WHERE thing_id = 'gone'").pluck().get(), 0);
    second.close();
    rmSync(first.dir, { recursive: true, force: true });
  });
});
