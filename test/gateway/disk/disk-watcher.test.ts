import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DiskWatcher, type DiskLowEvent, type DiskWatcherOptions } from '../../../gateway/disk/disk-watcher.js';
import { openDatabase, type Db } from '../../../gateway/store/database.js';
import { tempDir } from '../../helpers/gateway.js';

const OPTIONS: DiskWatcherOptions = { intervalMs: 60_000, lowFreeBytes: 10_000, resumeFreeBytes: 20_000, pruneBatchRows: 10, reserveBytes: 4096 };

function withHistory(rows: number): { dir: string; db: Db; count(): number; oldest(): number } {
  const dir = tempDir('roost-disk-');
  const db = openDatabase({ dataDir: dir, synchronous: 'normal' });
  const put = db.prepare('INSERT INTO history (thing_id, name, ts, seq, kind, value) VALUES (?, ?, ?, ?, 0, ?)');
  db.transaction(() => { for (let i = 1; i <= rows; i++) put.run(`urn:t:${i % 3}`, 'temp', 1000 + i, i, JSON.stringify(i)); })();
  return {
    dir, db,
    count: () => db.prepare('SELECT count(*) FROM history').pluck().get() as number,
    oldest: () => db.prepare('SELECT min(seq) FROM history').pluck().get() as number,
  };
}

describe('DiskWatcher', () => {
  it('leaves history alone while there is room, and keeps its reserve file', async () => {
    const h = withHistory(50);
    const w = new DiskWatcher({ dataDir: h.dir, db: h.db, options: OPTIONS, freeBytes: () => 1_000_000 });
    await w.init();
    await w.check();
    assert.equal(h.count(), 50);
    assert.equal(w.low, false);
    assert.equal(statSync(join(h.dir, '.disk-reserve')).size, 4096);
    h.db.close();
    rmSync(h.dir, { recursive: true, force: true });
  });

  it('keeps a whole reserve from the last run as it is; rewrites a short or sparse one', async () => {
    const h = withHistory(1);
    const path = join(h.dir, '.disk-reserve');
    const big = { ...OPTIONS, reserveBytes: 200_000 };
    await new DiskWatcher({ dataDir: h.dir, db: h.db, options: big, freeBytes: () => 10_000_000 }).init();
    const made = statSync(path);
    assert.deepEqual([made.size, made.mode & 0o777, made.blocks * 512 >= 200_000], [200_000, 0o600, true]);
    // A second start: the same file, not written again (its modification time stays).
    await new Promise((r) => setTimeout(r, 20));
    await new DiskWatcher({ dataDir: h.dir, db: h.db, options: big, freeBytes: () => 10_000_000 }).init();
    assert.equal(statSync(path).mtimeMs, made.mtimeMs);
    // A sparse file of the right size holds no room: it is written again.
    rmSync(path);
    closeSync(openSync(path, 'w'));
    truncateSync(path, 200_000);
    assert.ok(statSync(path).blocks * 512 < 200_000);
    await new DiskWatcher({ dataDir: h.dir, db: h.db, options: big, freeBytes: () => 10_000_000 }).init();
    assert.ok(statSync(path).blocks * 512 >= 200_000);
    h.db.close();
    rmSync(h.dir, { recursive: true, force: true });
  });

  it('when low, prunes the oldest rows first until resumeFreeBytes, says so once, and counts it', async () => {
    const h = withHistory(100);
    // Every deleted row frees 200 bytes: from 5,000 free, 75 rows bring it to 20,000.
    const free = (): number => 5_000 + (100 - h.count()) * 200;
    const events: DiskLowEvent[] = [];
    let flushed = 0;
    const w = new DiskWatcher({ dataDir: h.dir, db: h.db, options: { ...OPTIONS, reserveBytes: 0 }, freeBytes: free, flush: () => { flushed++; }, onLow: (e) => events.push(e) });
    await w.check();
    assert.equal(h.count(), 20, 'batches of 10 until 20,000 free');
    assert.equal(h.oldest(), 81, 'the newest rows are the ones kept');
    assert.equal(flushed, 1);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0], { freeBytes: 21_000, lowFreeBytes: 10_000, prunedRows: 80, historyLeft: true });
    const m = Object.fromEntries(w.metrics().map((s) => [s.name, s.value]));
    assert.equal(m['roost_disk_history_pruned_rows_total'], 80);
    assert.equal(m['roost_disk_low'], 0, 'back above lowFreeBytes');
    assert.equal(m['roost_disk_free_bytes'], 21_000);
    h.db.close();
    rmSync(h.dir, { recursive: true, force: true });
  });

  it('with nothing left to prune it stays low, reports that history is gone, and never throws', async () => {
    const h = withHistory(15);
    const events: DiskLowEvent[] = [];
    const w = new DiskWatcher({ dataDir: h.dir, db: h.db, options: { ...OPTIONS, reserveBytes: 0 }, freeBytes: () => 100, onLow: (e) => events.push(e) });
    await w.check();
    assert.equal(h.count(), 0);
    assert.equal(w.low, true);
    assert.deepEqual(events.map((e) => [e.prunedRows, e.historyLeft]), [[15, false]]);
    await w.check();
    assert.equal(events.length, 1, 'no new event while still low with nothing pruned');
    h.db.close();
    // A free-space reading that fails is logged, not thrown.
    const warnings: string[] = [];
    const db = openDatabase({ dataDir: h.dir, synchronous: 'normal' });
    const broken = new DiskWatcher({ dataDir: h.dir, db, options: OPTIONS, freeBytes: () => { throw new Error('statfs failed'); }, log: { warn: (_o, msg) => warnings.push(msg) } });
    await broken.check();
    assert.deepEqual(warnings, ['disk check failed']);
    db.close();
    assert.equal(existsSync(join(h.dir, 'roost.db')), true);
    rmSync(h.dir, { recursive: true, force: true });
  });
});
