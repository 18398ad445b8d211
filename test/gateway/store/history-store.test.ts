import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { openDatabase } from '../../../gateway/store/database.js';
import { HistoryStore } from '../../../gateway/store/history-store.js';
import { tempDir } from '../../helpers/gateway.js';

function open(opts: Partial<ConstructorParameters<typeof HistoryStore>[1]> = {}) {
  const dir = tempDir();
  const db = openDatabase({ dataDir: dir, synchronous: 'normal' });
  const h = new HistoryStore(db, { batchMaxRows: 100, batchMaxMs: 10, bufferMaxRows: 1000, maxQueryRows: 500, ...opts });
  return { h, db, done: () => { h.close(); db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const count = (db: ReturnType<typeof openDatabase>) => db.prepare('SELECT COUNT(*) FROM history').pluck().get() as number;

describe('HistoryStore', () => {
  it('batches writes: nothing hits the table until batchMaxMs or batchMaxRows', async () => {
    const { h, db, done } = open();
    for (let i = 0; i < 50; i++) h.append('t', 'p', 'property', 1000 + i, i);
    assert.equal(count(db), 0);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(count(db), 50);
    assert.equal(h.batches, 1);
    for (let i = 0; i < 100; i++) h.append('t', 'p', 'property', 2000 + i, i);
    assert.equal(count(db), 150, 'a full batch is written at once');
    done();
  });

  it('writes a full buffer at once instead of dropping rows while the disk works', () => {
    const { h, db, done } = open({ bufferMaxRows: 10, batchMaxRows: 1000, batchMaxMs: 10000 });
    for (let i = 0; i < 15; i++) h.append('t', 'p', 'property', i, i);
    assert.equal(h.rowsDropped, 0);
    assert.equal(count(db), 10, 'the full buffer went to disk when the 11th row came');
    h.flush();
    assert.deepEqual(h.query({ thingId: 't' }).map((r) => r.value), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    done();
  });

  it('committed() resolves once the rows are on disk: waiters send the batch at the next turn, with all that came in this one', async () => {
    const { h, db, done } = open({ batchMaxMs: 60000 });
    await h.committed(); // nothing buffered: at once
    h.append('t', 'p', 'property', 1, 1);
    let resolved = false;
    const p = h.committed().then(() => {
      resolved = true;
      return count(db);
    });
    const q = h.committed(); // a second waiter of the same batch
    h.append('t', 'p', 'property', 2, 2);
    assert.equal(resolved, false);
    assert.equal(count(db), 0, 'nothing written in the turn that asked');
    assert.equal(await p, 2, 'one transaction carried both rows, long before batchMaxMs');
    await q;
    assert.equal(h.batches, 1);
    h.append('t', 'p', 'property', 3, 3);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(count(db), 2, 'rows nobody waits for still wait for their batch');
    done();
  });

  it('fails the waiting acknowledgements when the transaction fails, and writes the rows on the next try', async () => {
    const { h, db, done } = open({ batchMaxMs: 5 });
    db.exec('CREATE TRIGGER refuse BEFORE INSERT ON history BEGIN SELECT RAISE(ABORT, \'disk says no\'); END');
    h.append('t', 'p', 'property', 1, 'kept');
    h.setTwin('t', 'p', { value: 'kept', ts: 1, source: 'dev' });
    h.setTwin('t', 'q', { value: 'old', ts: 1, source: 'dev' });
    await assert.rejects(h.committed(), /disk says no/);
    assert.equal(h.writeFailures, 1);
    assert.equal(h.buffered, 1, 'the row waits for the next try');
    db.exec('DROP TRIGGER refuse');
    h.append('t', 'p', 'property', 2, 'new');
    // A twin write after the failure wins over the one that waits for the retry; the other stays.
    h.setTwin('t', 'q', { value: 'newer', ts: 2, source: 'dev' });
    await h.committed();
    assert.deepEqual(h.query({ thingId: 't' }).map((r) => r.value), ['kept', 'new']);
    assert.deepEqual(h.loadTwin().map((r) => [r.name, r.value.value]).sort(), [['p', 'kept'], ['q', 'newer']]);
    done();
  });

  it('fails the acknowledgements of a batch from which rows had to be dropped', async () => {
    const { h, db, done } = open({ bufferMaxRows: 2, batchMaxRows: 1000, batchMaxMs: 10000 });
    db.exec('CREATE TRIGGER refuse BEFORE INSERT ON history BEGIN SELECT RAISE(ABORT, \'full\'); END');
    h.append('t', 'p', 'property', 1, 1);
    h.append('t', 'p', 'property', 2, 2);
    h.append('t', 'p', 'property', 3, 3); // buffer full, the write fails: the oldest row goes
    assert.equal(h.rowsDropped, 1);
    const p = h.committed();
    db.exec('DROP TRIGGER refuse');
    h.flush();
    await assert.rejects(p, /dropped/);
    assert.deepEqual(h.query({ thingId: 't' }).map((r) => r.value), [2, 3]);
    done();
  });

  it('keeps binding state in the same group commit and reads buffered writes back', async () => {
    const { h, db, done } = open({ batchMaxMs: 10000 });
    h.putState('coap', 'node1', { id: '1', lt: 60 });
    h.putState('coap', 'node2', { id: '2' });
    h.putState('serial', 'node1', 'other binding');
    assert.deepEqual([...h.loadState('coap')], [['node1', { id: '1', lt: 60 }], ['node2', { id: '2' }]], 'buffered writes are visible');
    assert.equal(db.prepare('SELECT COUNT(*) FROM binding_state').pluck().get(), 0);
    h.flush();
    h.putState('coap', 'node2', undefined);
    h.flush();
    assert.deepEqual([...h.loadState('coap')], [['node1', { id: '1', lt: 60 }]]);
    assert.deepEqual([...h.loadState('serial')], [['node1', 'other binding']]);
    done();
  });

  it('answers range queries by thing, name, time, order and limit', () => {
    const { h, done } = open();
    for (let i = 0; i < 10; i++) h.append('t', i % 2 ? 'a' : 'b', i % 3 ? 'property' : 'event', 100 + i, { i });
    h.append('other', 'a', 'property', 105, 'x');
    const a = h.query({ thingId: 't', name: 'a', from: 103, to: 108 });
    assert.deepEqual(a.map((r) => r.ts), [103, 105, 107]);
    assert.deepEqual(a[0], { thingId: 't', name: 'a', kind: 'event', ts: 103, value: { i: 3 } });
    assert.deepEqual(h.query({ thingId: 't', order: 'desc', limit: 2 }).map((r) => r.ts), [109, 108]);
    assert.equal(h.query({ thingId: 't', limit: 100000 }).length, 10, 'limit is capped by maxQueryRows, not exceeded');
    // A property and an event of the same name: the kind is filtered before the limit counts.
    assert.deepEqual(h.query({ thingId: 't', name: 'a', kind: 'property', order: 'desc', limit: 2 }).map((r) => [r.ts, r.kind]), [[107, 'property'], [105, 'property']]);
    assert.deepEqual(h.query({ thingId: 't', name: 'a', kind: 'event', limit: 5 }).map((r) => r.ts), [103, 109]);
    done();
  });

  it('merges the names of a thing by time, then by write order, in either order and within the limit', () => {
    const { h, done } = open();
    // Three series written interleaved, with ties on the millisecond across names.
    const written: Array<[string, number, number]> = [];
    for (let i = 0; i < 30; i++) {
      const name = ['a', 'b', 'c'][i % 3] as string;
      const ts = 1000 + Math.floor(i / 2);
      h.append('t', name, 'property', ts, i);
      written.push([name, ts, i]);
    }
    h.append('u', 'a', 'property', 1003, 'other thing');
    const asc = h.query({ thingId: 't', from: 1002, to: 1010, limit: 7 });
    assert.deepEqual(asc.map((r) => [r.name, r.ts, r.value]), written.filter(([, ts]) => ts >= 1002 && ts < 1010).slice(0, 7));
    const desc = h.query({ thingId: 't', order: 'desc', limit: 5 });
    assert.deepEqual(desc.map((r) => r.value), [29, 28, 27, 26, 25]);
    assert.equal(h.query({ thingId: 't', kind: 'event' }).length, 0);
    assert.equal(h.query({ thingId: 'nobody' }).length, 0);
    done();
  });

  it('merges a thing with more names than one compound query takes', () => {
    const { h, done } = open({ batchMaxRows: 1000 });
    // 250 names, two rows each, the times interleaved across names.
    for (let i = 0; i < 500; i++) h.append('wide', `p${i % 250}`, 'property', 10_000 - i, i);
    const asc = h.query({ thingId: 'wide', limit: 4 });
    assert.deepEqual(asc.map((r) => r.value), [499, 498, 497, 496]);
    assert.deepEqual(h.query({ thingId: 'wide', order: 'desc', limit: 3, from: 9_990 }).map((r) => [r.name, r.value]), [['p0', 0], ['p1', 1], ['p2', 2]]);
    assert.equal(h.query({ thingId: 'wide', limit: 500 }).length, 500);
    done();
  });

  it('keeps rows with the same millisecond apart', () => {
    const { h, done } = open();
    h.append('t', 'p', 'property', 5, 1);
    h.append('t', 'p', 'property', 5, 2);
    assert.deepEqual(h.query({ thingId: 't' }).map((r) => r.value), [1, 2]);
    done();
  });

  it('enforces retention by age and by rows per thing', () => {
    const { h, db, done } = open();
    const now = 1_000_000;
    for (let i = 0; i < 20; i++) h.append('old', 'p', 'property', now - 10_000 + i, i);
    for (let i = 0; i < 20; i++) h.append('busy', 'p', 'property', now - 100 + i, i);
    const deleted = h.enforceRetention(now, 5_000, 8);
    assert.equal(deleted, 20 + 12);
    assert.equal(count(db), 8);
    assert.deepEqual(h.query({ thingId: 'busy' }).map((r) => r.value), [12, 13, 14, 15, 16, 17, 18, 19]);
    done();
  });

  it('counts the rows per thing across its names, and leaves a thing within its limit alone', () => {
    const { h, db, done } = open();
    const now = 1_000_000;
    for (let i = 0; i < 12; i++) h.append('multi', i % 2 ? 'temp' : 'hum', 'property', now - 100 + i, i);
    for (let i = 0; i < 4; i++) h.append('quiet', 'temp', 'property', now - 200 + i, i);
    assert.equal(h.enforceRetention(now, 60_000, 5), 7);
    assert.equal(count(db), 5 + 4);
    assert.deepEqual(h.query({ thingId: 'multi' }).map((r) => r.value), [7, 8, 9, 10, 11]);
    assert.equal(h.query({ thingId: 'quiet' }).length, 4);
    done();
  });

  it('writes the twin in the same batch, newest value wins', () => {
    const { h, db, done } = open();
    h.setTwin('t', 'p', { value: 1, ts: 10, source: 'dev' });
    h.setTwin('t', 'p', { value: 2, ts: 20, source: 'dev' });
    h.flush();
    h.setTwin('t', 'p', { value: 0, ts: 5, source: 'late' });
    h.flush();
    assert.deepEqual(h.loadTwin(), [{ thingId: 't', name: 'p', value: { value: 2, ts: 20, source: 'dev' } }]);
    assert.equal(db.prepare('SELECT COUNT(*) FROM twin').pluck().get(), 1);
    done();
  });
});

describe('HistoryStore after close', () => {
  it('counts late rows as dropped and never touches the closed database', async () => {
    const { h, db, done } = open();
    h.close();
    db.close();
    h.append('t', 'p', 'property', 1, 1);
    h.setTwin('t', 'p', { value: 1, ts: 1, source: 'x' });
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(h.rowsDropped, 1);
    done();
  });
});
