import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_REPLAY_WINDOW, MAX_REPLAY_WINDOW, MAX_SEQUENCE_NUMBER, ReplayWindow } from '../../../protocols/oscore/index.js';
import { seededRandom } from './seeded-random.js';

/** Checks then records, as unprotectRequest does for a message that verified. */
function receive(w: ReplayWindow, seq: number): boolean {
  if (!w.isFresh(seq)) return false;
  w.record(seq);
  return true;
}

describe('OSCORE Replay Window (RFC 8613 §7.4, RFC 6347 §4.1.2.6)', () => {
  it('default size 32; a fresh window accepts 0 and any first number, once', () => {
    assert.equal(new ReplayWindow().size, DEFAULT_REPLAY_WINDOW);
    assert.equal(DEFAULT_REPLAY_WINDOW, 32);
    const w = new ReplayWindow();
    assert.equal(w.highest, null);
    assert.equal(receive(w, 0), true);
    assert.equal(receive(w, 0), false);
    const w2 = new ReplayWindow();
    assert.equal(receive(w2, 1000), true);
    assert.equal(w2.highest, 1000);
  });

  it('out of order inside the window is accepted once; the left edge is exclusive', () => {
    const w = new ReplayWindow(32);
    assert.equal(receive(w, 100), true);
    assert.equal(receive(w, 69), true); // 100 - 31: the oldest slot of the window
    assert.equal(receive(w, 68), false); // 100 - 32: left of the window
    assert.equal(receive(w, 69), false);
    for (let s = 70; s < 100; s++) assert.equal(receive(w, s), true, String(s));
    for (let s = 69; s <= 100; s++) assert.equal(w.isFresh(s), false, String(s));
    assert.equal(w.isFresh(101), true);
  });

  it('sliding clears the slots that enter the window, also after a jump larger than the window', () => {
    const w = new ReplayWindow(8);
    for (const s of [0, 1, 2, 3, 4, 5, 6, 7]) receive(w, s);
    assert.equal(receive(w, 9), true); // 8 left unseen
    assert.equal(receive(w, 8), true);
    assert.equal(receive(w, 1), false); // 9 - 8: out of the window now
    assert.equal(receive(w, 1000), true);
    for (let s = 993; s < 1000; s++) assert.equal(w.isFresh(s), true, `${s} reuses a slot of an old number`);
    assert.equal(w.isFresh(992), false);
  });

  it('a window of size 1 accepts only increasing numbers', () => {
    const w = new ReplayWindow(1);
    assert.equal(receive(w, 5), true);
    assert.equal(receive(w, 4), false);
    assert.equal(receive(w, 5), false);
    assert.equal(receive(w, 6), true);
  });

  it('numbers beyond 2^40 - 1 and non-integers are never fresh; the size is bounded', () => {
    const w = new ReplayWindow();
    assert.equal(w.isFresh(MAX_SEQUENCE_NUMBER), true);
    assert.equal(w.isFresh(MAX_SEQUENCE_NUMBER + 1), false);
    assert.equal(w.isFresh(-1), false);
    assert.equal(w.isFresh(1.5), false);
    receive(w, MAX_SEQUENCE_NUMBER);
    assert.equal(w.isFresh(MAX_SEQUENCE_NUMBER - 1), true);
    for (const bad of [0, -1, MAX_REPLAY_WINDOW + 1, 2.5]) assert.throws(() => new ReplayWindow(bad), RangeError);
    assert.equal(new ReplayWindow(MAX_REPLAY_WINDOW).size, MAX_REPLAY_WINDOW);
  });

  it('records only what is fresh: recording a stale number does not move the window', () => {
    const w = new ReplayWindow(4);
    receive(w, 10);
    w.record(3);
    assert.equal(w.highest, 10);
    assert.equal(w.isFresh(7), true);
  });

  it('matches a brute-force model on a random stream', () => {
    const rand = seededRandom(7).int;
    for (const size of [1, 5, 32, 64]) {
      const w = new ReplayWindow(size);
      const seen = new Set<number>();
      let top = -1;
      for (let i = 0; i < 3000; i++) {
        const seq = Math.max(0, top + rand(3 * size) - 2 * size);
        const expect = !seen.has(seq) && (seq > top || seq > top - size);
        assert.equal(receive(w, seq), expect, `size ${size} seq ${seq} top ${top}`);
        if (expect) {
          seen.add(seq);
          top = Math.max(top, seq);
        }
      }
    }
  });

  it('after a restart: unsynchronized until an Echo-verified Partial IV sets the lower limit (B.1.2)', () => {
    const w = ReplayWindow.afterRestart();
    assert.equal(w.synchronized, false);
    assert.equal(w.isFresh(3), true);
    w.record(3);
    assert.equal(w.highest, null);
    w.synchronize(500);
    assert.equal(w.synchronized, true);
    assert.equal(w.isFresh(500), false);
    assert.equal(w.isFresh(499), false);
    assert.equal(w.isFresh(480), false); // inside the window's span but below the lower limit
    assert.equal(receive(w, 501), true);
  });
});
