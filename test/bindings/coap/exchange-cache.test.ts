import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExchangeCache } from '../../../bindings/coap/exchange-cache.js';

describe('ExchangeCache (RFC 7252 §4.5 deduplication)', () => {
  it('finds a duplicate with its response until the lifetime ends', () => {
    let t = 0;
    const c = new ExchangeCache(4, () => t);
    c.remember('a:1:7', 1000, null);
    c.setResponse('a:1:7', Buffer.from('ok'));
    assert.equal(c.lookup('a:1:7')?.response?.toString(), 'ok');
    assert.equal(c.lookup('a:1:8'), undefined);
    t = 999;
    assert.ok(c.lookup('a:1:7'));
    t = 1000;
    assert.equal(c.lookup('a:1:7'), undefined);
    assert.equal(c.size, 0);
  });

  it('holds at most maxEntries: the oldest live entry goes first and is counted', () => {
    const c = new ExchangeCache(3, () => 0);
    for (const k of ['k1', 'k2', 'k3', 'k4', 'k5']) c.remember(k, 1000, null);
    assert.equal(c.size, 3);
    assert.equal(c.evicted, 2);
    assert.deepEqual(['k1', 'k2', 'k3', 'k4', 'k5'].map((k) => c.lookup(k) !== undefined), [false, false, true, true, true]);
  });

  it('drops expired entries from the front without counting them as evicted', () => {
    let t = 0;
    const c = new ExchangeCache(10, () => t);
    c.remember('old1', 100, null);
    c.remember('old2', 100, null);
    t = 200;
    c.remember('new', 100, null);
    assert.equal(c.size, 1);
    assert.equal(c.evicted, 0);
  });

  it('a key remembered again after it expired is not removed when its old slot leaves the ring', () => {
    let t = 0;
    const c = new ExchangeCache(3, () => t);
    c.remember('a', 1000, null);
    c.remember('k', 10, null);
    t = 20;
    assert.equal(c.lookup('k'), undefined); // expired: gone from the map, its slot still behind 'a' in the ring
    c.remember('k', 1000, Buffer.from('second'));
    c.remember('other', 1000, null); // full: 'a' goes, then the expired old slot of 'k'
    assert.equal(c.lookup('k')?.response?.toString(), 'second');
    assert.equal(c.lookup('a'), undefined);
    assert.equal(c.size, 2);
  });

  it('stays bounded over many more messages than it holds', () => {
    const c = new ExchangeCache(100, () => 0);
    for (let i = 0; i < 10_000; i++) c.remember(`m${i}`, 1000, null);
    assert.equal(c.size, 100);
    assert.equal(c.evicted, 9_900);
    assert.ok(c.lookup('m9999'));
    assert.equal(c.lookup('m9899'), undefined);
    c.clear();
    assert.equal(c.size, 0);
  });
});
