import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventFeed, type FeedItem } from '../../../gateway/api/event-feed.js';
import type { HubApi } from '../../../gateway/hub/hub-api.js';
import type { HistoryQuery, HistoryRow } from '../../../gateway/hub/types.js';

/** A hub with `rows` in history (one event a millisecond, some sharing one) that counts the rows its queries return. */
function fakeHub(rows: HistoryRow[]) {
  const stats = { rowsRead: 0, queries: 0 };
  const hub = {
    subscribe: () => ({ dropped: 0, unsubscribe: () => undefined }),
    history: (q: HistoryQuery) => {
      const out = rows.filter((r) => r.thingId === q.thingId && (q.name === undefined || r.name === q.name) && (q.from === undefined || r.ts >= q.from))
        .slice(0, Math.min(q.limit ?? 1000, 1000));
      stats.queries++;
      stats.rowsRead += out.length;
      return out;
    },
  } as unknown as HubApi;
  return { hub, stats };
}

const T = 'urn:example:t';
const events = (n: number, sameTs = 1): HistoryRow[] =>
  Array.from({ length: n }, (_, i) => ({ thingId: T, name: 'e', kind: 'event' as const, ts: 1000 + Math.floor(i / sameTs), value: i }));

describe('EventFeed replay', () => {
  it('reads a few rows for a consumer that stops after the first item (a longpoll, a cut-off SSE client)', () => {
    // Found by fuzzing: each replay read a 500-row page whatever the consumer took; with large
    // events, 200 SSE opens with Last-Event-ID 0-0 held the event loop for minutes.
    const { hub, stats } = fakeHub(events(2000));
    const got: FeedItem[] = [];
    // The consumer answers false once it has what it wants (inside the constructor, before it could call close()).
    new EventFeed(hub, { thingId: T, kind: 'event', name: 'e' }, {
      cursor: { ts: 0, k: -1 }, maxReplay: 1000,
      onItem: (it) => { got.push(it); return false; },
    });
    assert.equal(got.length, 1);
    assert.ok(stats.rowsRead <= 16, `read ${stats.rowsRead} rows for one item`);
  });

  it('still replays everything up to maxReplay, in order, across pages and rows sharing a millisecond', () => {
    const { hub } = fakeHub(events(1500, 7));
    const got: FeedItem[] = [];
    let truncated = false;
    new EventFeed(hub, { thingId: T, kind: 'event', name: 'e' }, {
      cursor: { ts: 0, k: -1 }, maxReplay: 1200, onItem: (it) => { got.push(it); }, onTruncated: () => { truncated = true; },
    });
    assert.equal(got.length, 1200);
    assert.deepEqual(got.map((g) => g.data), Array.from({ length: 1200 }, (_, i) => i));
    assert.equal(truncated, true);
  });

  it('ends on many rows in one millisecond instead of reading the same page again', () => {
    const { hub, stats } = fakeHub(events(600, 600));
    const got: FeedItem[] = [];
    new EventFeed(hub, { thingId: T, kind: 'event', name: 'e' }, { cursor: { ts: 0, k: -1 }, maxReplay: 1000, onItem: (it) => { got.push(it); } });
    assert.equal(got.length, 600);
    assert.ok(stats.queries < 20, `${stats.queries} queries`);
  });
});

describe('EventFeed replay at the consumer\'s pace', () => {
  /** A consumer that is full after every `every` items until it is resumed by hand. */
  function pacedConsumer(every: number) {
    const got: FeedItem[] = [];
    let resume: (() => void) | null = null;
    return {
      got,
      opts: {
        onItem: (it: FeedItem) => { got.push(it); },
        backlog: { full: () => got.length % every === 0, onceReady: (r: () => void) => { resume = r; } },
      },
      /** Lets the paused replay go on; false when it was not waiting. */
      drain(): boolean {
        const r = resume;
        resume = null;
        r?.();
        return r !== null;
      },
    };
  }

  it('pauses when the consumer is full, resumes where it stopped, and subscribes only at the end of history', () => {
    const rows = events(100, 3);
    const { hub } = fakeHub(rows);
    let subscribed = 0;
    (hub as unknown as { subscribe: () => unknown }).subscribe = () => { subscribed++; return { dropped: 0, unsubscribe: () => undefined }; };
    const c = pacedConsumer(7);
    new EventFeed(hub, { thingId: T, kind: 'event', name: 'e' }, { cursor: { ts: 1000, k: 1 }, maxReplay: 1000, ...c.opts });
    assert.equal(c.got.length, 7);
    assert.equal(subscribed, 0, 'not live while history is being replayed');
    // Rows written while the replay waits are replayed too (they are in history, not on the bus for this feed).
    rows.push(...Array.from({ length: 5 }, (_, i) => ({ thingId: T, name: 'e', kind: 'event' as const, ts: 2000 + i, value: 100 + i })));
    let rounds = 0;
    while (c.drain()) rounds++;
    assert.ok(rounds >= 14, `${rounds} pauses`);
    // The cursor 1000-1 is the second row at 1000: replay starts at the third.
    assert.deepEqual(c.got.map((g) => g.data), Array.from({ length: 103 }, (_, i) => i + 2));
    assert.deepEqual(c.got.slice(0, 2).map((g) => g.id), ['1000-2', '1001-0']);
    assert.equal(new Set(c.got.map((g) => g.id)).size, c.got.length, 'no item twice');
    assert.equal(subscribed, 1, 'live once the replay reached the end');
  });

  it('stops a paused replay when the consumer closes the feed', () => {
    const { hub, stats } = fakeHub(events(300));
    const c = pacedConsumer(10);
    const feed = new EventFeed(hub, { thingId: T, kind: 'event', name: 'e' }, { cursor: { ts: 0, k: -1 }, maxReplay: 1000, ...c.opts });
    const queries = stats.queries;
    feed.close();
    c.drain();
    assert.equal(c.got.length, 10);
    assert.equal(stats.queries, queries, 'no history read after the close');
  });
});

describe('EventFeed availability on resume', () => {
  const withThing = (online: boolean | 'removed') => {
    const { hub } = fakeHub(events(3));
    (hub as unknown as { getThing: (id: string) => unknown }).getThing = () => {
      if (online === 'removed') throw new Error('removed');
      return { online };
    };
    return hub;
  };
  const names = (hub: HubApi, spec: { name?: string }, cursor?: { ts: number; k: number }, maxReplay = 1000) => {
    const got: FeedItem[] = [];
    new EventFeed(hub, { thingId: T, kind: 'event', ...spec }, { ...(cursor ? { cursor } : {}), maxReplay, onItem: (it) => { got.push(it); } });
    return got.map((g) => `${g.name}:${String(g.data)}@${g.id}`);
  };

  it('a resumed all-events stream ends its replay with the thing\'s availability now, at the last position', () => {
    assert.deepEqual(names(withThing(false), {}, { ts: 1000, k: 0 }), ['e:1@1001-0', 'e:2@1002-0', 'availability:offline@1002-0']);
    assert.deepEqual(names(withThing(true), {}, { ts: 1002, k: 0 }), ['availability:online@1002-0'], 'nothing to replay');
    assert.deepEqual(names(withThing(true), {}, { ts: 1000, k: 0 }, 0), ['availability:online@1000-0'], 'no replay allowed');
  });

  it('says nothing of availability when not resuming, on a one-event stream, or for a thing gone', () => {
    assert.deepEqual(names(withThing(false), {}), []);
    assert.deepEqual(names(withThing(false), { name: 'e' }, { ts: 1000, k: 0 }), ['e:1@1001-0', 'e:2@1002-0']);
    assert.deepEqual(names(withThing('removed'), {}, { ts: 1000, k: 0 }), ['e:1@1001-0', 'e:2@1002-0']);
  });
});
