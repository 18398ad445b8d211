import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SEQUENCE_NUMBER, OscoreError, SequenceStore } from '../../../protocols/oscore/index.js';
import { seededRandom } from './seeded-random.js';

/** A disk that keeps the largest value written, as the binding must (writes never go backwards). */
class Disk {
  value: number | null = null;
  write(v: number): void {
    this.value = this.value === null ? v : Math.max(this.value, v);
  }
}

describe('OSCORE Sender Sequence Number store (RFC 8613 Appendix B.1.1)', () => {
  it('a fresh context starts at 0 and must persist before the first send, then every K numbers', () => {
    const s = SequenceStore.fresh({ persistInterval: 4 });
    const tickets = [];
    for (let i = 0; i < 3; i++) {
      const t = s.next();
      tickets.push(t);
      if (t.persist !== null) s.persisted(t.persist);
    }
    assert.deepEqual(tickets, [{ seq: 0, persist: 0 }, { seq: 1, persist: null }, { seq: 2, persist: null }]);
    assert.deepEqual(s.next(), { seq: 3, persist: null });
    assert.deepEqual(s.next(), { seq: 4, persist: 4 });
  });

  it('numbers handed out while a write is pending all wait for that write', () => {
    const s = SequenceStore.fresh({ persistInterval: 10 });
    assert.deepEqual([s.next(), s.next(), s.next()], [{ seq: 0, persist: 0 }, { seq: 1, persist: 0 }, { seq: 2, persist: 0 }]);
    s.persisted(0);
    assert.deepEqual(s.next(), { seq: 3, persist: null });
  });

  it('resumes at stored + K + F, and persists before the first number after a restart', () => {
    const s = SequenceStore.resume(128, { persistInterval: 64, restartMargin: 5 });
    assert.equal(s.peek, 197);
    assert.deepEqual(s.next(), { seq: 197, persist: 197 });
  });

  it('defaults: K = 64, F = 0', () => {
    assert.equal(SequenceStore.resume(0).peek, 64);
  });

  it('stops at 2^40 - 1 (§7.2.1)', () => {
    const s = SequenceStore.resume(MAX_SEQUENCE_NUMBER - 64, { persistInterval: 64 });
    assert.equal(s.next().seq, MAX_SEQUENCE_NUMBER);
    assert.throws(() => s.next(), (e: unknown) => e instanceof OscoreError && e.reason === 'sequence_exhausted');
  });

  it('rejects bad options', () => {
    assert.throws(() => SequenceStore.fresh({ persistInterval: 0 }), RangeError);
    assert.throws(() => SequenceStore.fresh({ restartMargin: -1 }), RangeError);
    assert.throws(() => SequenceStore.resume(-1), RangeError);
  });

  it('kill -9 at random points: the state is only what was persisted, and no number is ever sent twice', () => {
    const rand = seededRandom(12345).int;
    for (const [k, f] of [[1, 0], [4, 0], [16, 3], [64, 0], [10, 7]] as const) {
      const disk = new Disk();
      const sent = new Set<number>();
      let crashes = 0;
      // Each life: a store from the disk, a burst of next() with writes that may or may not land.
      for (let life = 0; life < 200; life++) {
        const store = disk.value === null ? SequenceStore.fresh({ persistInterval: k, restartMargin: f }) : SequenceStore.resume(disk.value, { persistInterval: k, restartMargin: f });
        const waiting: Array<{ seq: number; persist: number }> = [];
        const steps = rand(3 * k + 5);
        for (let i = 0; i < steps; i++) {
          const t = store.next();
          if (t.persist === null) {
            assert.ok(!sent.has(t.seq), `k=${k} f=${f}: ${t.seq} sent twice`);
            sent.add(t.seq);
          } else {
            waiting.push({ seq: t.seq, persist: t.persist });
          }
          // Sometimes a pending write completes: its waiters may now send.
          if (waiting.length > 0 && rand(3) === 0) {
            const done = waiting[0]!.persist;
            disk.write(done);
            store.persisted(done);
            for (const w of waiting.filter((x) => x.persist <= done)) {
              assert.ok(!sent.has(w.seq), `k=${k} f=${f}: ${w.seq} sent twice`);
              sent.add(w.seq);
            }
            waiting.splice(0, waiting.length, ...waiting.filter((x) => x.persist > done));
          }
        }
        // kill -9: waiters never sent, unfinished writes lost.
        crashes++;
      }
      assert.equal(crashes, 200);
      assert.ok(sent.size > 100, `k=${k}: only ${sent.size} numbers sent`);
    }
  });
});
