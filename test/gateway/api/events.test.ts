import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CursorCounter, parseCursor } from '../../../gateway/api/event-cursor.js';
import { LongpollCursors } from '../../../gateway/api/longpoll-cursors.js';
import { formatSseMessage } from '../../../gateway/api/sse.js';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';

interface SseMessage { id?: string; event?: string; data: string }

/** A minimal SSE reader over fetch: collects messages and comments until closed. */
function openSse(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  const wake = () => waiters.splice(0).forEach((w) => w());
  const ready = fetch(url, { headers, signal: abort.signal }).then((res) => {
    if (res.status !== 200 || !res.body) return res;
    const decoder = new TextDecoder();
    let buf = '';
    void (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const m: SseMessage = { data: '' };
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('id: ')) m.id = line.slice(4);
              else if (line.startsWith('event: ')) m.event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length > 0) messages.push({ ...m, data: data.join('\n') });
          }
          wake();
        }
      } catch {
        // aborted
      }
      ended = true;
      wake();
    })();
    return res;
  });
  const until = async (cond: () => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  return {
    messages,
    comments,
    /** Resolves once the stream is open (the server has subscribed when its first comment arrives). */
    opened: async () => {
      const res = await ready;
      assert.equal(res.status, 200, `SSE ${url}`);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      await until(() => comments.includes('stream open'), 'stream open');
    },
    waitFor: (n: number) => until(() => messages.length >= n, `${n} messages`),
    until,
    /** The server ended the stream (or the client aborted it). */
    get ended() {
      return ended;
    },
    response: ready,
    close: () => abort.abort(),
  };
}

async function login(url: string): Promise<string> {
  const r = await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
  return ((await r.json()) as { token: string }).token;
}

const LAMP = 'urn:roost:testdev:lamp';

describe('events over HTTP (SSE and longpoll)', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let auth: Record<string, string>;
  let lamp: string;
  let ts = 1_700_000_000_000;

  const metric = async (name: string, labels = ''): Promise<number> => {
    const text = await (await fetch(`${gw.httpUrl}/metrics`, { headers: auth })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? NaN : Number(line.split(' ')[1]);
  };
  const waitMetric = async (name: string, labels: string, value: number) => {
    const deadline = Date.now() + 5000;
    while ((await metric(name, labels)) !== value) {
      if (Date.now() > deadline) throw new Error(`${name}${labels} never became ${value}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  before(async () => {
    dev = new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }]);
    gw = await startTestGateway(
      { http: { events: { maxStreams: 4, maxBufferedBytes: 65536, heartbeatMs: 100, longpollTimeoutMs: 1500 } } },
      { extraBindings: [dev] },
    );
    auth = { authorization: `Bearer ${await login(gw.httpUrl as string)}` };
    lamp = `${gw.httpUrl}/things/${encodeURIComponent(LAMP)}`;
  });
  after(async () => {
    await gw.stop();
  });

  it('streams one event, all events and a property\'s changes in order, with ids and heartbeats', async () => {
    const one = openSse(`${lamp}/events/button`, auth);
    const all = openSse(`${lamp}/events`, auth);
    const obs = openSse(`${lamp}/properties/brightness/observe`, auth);
    await Promise.all([one.opened(), all.opened(), obs.opened()]);
    const t0 = (ts += 1000);
    for (let i = 0; i < 5; i++) dev.ctx?.emitEvent(LAMP, 'button', `press-${i}`, t0 + (i < 2 ? 0 : i));
    for (let i = 0; i < 4; i++) dev.ctx?.reportProperties(LAMP, { brightness: i * 10, temperature: 20 + i }, t0 + i);
    await Promise.all([one.waitFor(5), all.waitFor(5), obs.waitFor(4)]);

    assert.deepEqual(one.messages.map((m) => JSON.parse(m.data)), ['press-0', 'press-1', 'press-2', 'press-3', 'press-4']);
    assert.equal(one.messages[0]?.event, undefined, 'single-event streams send unnamed messages (node-wot, EventSource.onmessage)');
    // Two events in the same millisecond get distinct ids.
    assert.deepEqual(one.messages.map((m) => m.id), [`${t0}-0`, `${t0}-1`, `${t0 + 2}-0`, `${t0 + 3}-0`, `${t0 + 4}-0`]);
    assert.deepEqual(all.messages.map((m) => [m.event, JSON.parse(m.data)]), [0, 1, 2, 3, 4].map((i) => ['button', `press-${i}`]));
    assert.deepEqual(obs.messages.map((m) => JSON.parse(m.data)), [0, 10, 20, 30]);
    await one.until(() => one.comments.includes('heartbeat'), 'a heartbeat comment');
    for (const s of [one, all, obs]) s.close();
    await waitMetric('roost_http_event_streams', '{kind="sse"}', 0);
  });

  it('resumes from history after Last-Event-ID, then goes on live', async () => {
    const t0 = (ts += 1000);
    for (let i = 0; i < 4; i++) dev.ctx?.emitEvent(LAMP, 'button', `r-${i}`, t0 + (i < 3 ? 0 : 1));
    const s = openSse(`${lamp}/events/button`, { ...auth, 'last-event-id': `${t0}-0` });
    await s.opened();
    dev.ctx?.emitEvent(LAMP, 'button', 'r-live', t0 + 2);
    await s.waitFor(4);
    assert.deepEqual(s.messages.map((m) => [m.id, JSON.parse(m.data)]), [
      [`${t0}-1`, 'r-1'], [`${t0}-2`, 'r-2'], [`${t0 + 1}-0`, 'r-3'], [`${t0 + 2}-0`, 'r-live'],
    ]);
    s.close();
    await waitMetric('roost_http_event_streams', '{kind="sse"}', 0);
  });

  it('answers 401 without a token and typed 404s before any stream starts', async () => {
    const cases: Array<[string, Record<string, string>, number, string]> = [
      [`${lamp}/events/button`, {}, 401, 'ROOST_ERR_UNAUTHENTICATED'],
      [`${lamp}/events/button/longpoll`, {}, 401, 'ROOST_ERR_UNAUTHENTICATED'],
      [`${gw.httpUrl}/things/urn%3Anope/events/button`, auth, 404, 'ROOST_ERR_THING_NOT_FOUND'],
      [`${gw.httpUrl}/things/urn%3Anope/events`, auth, 404, 'ROOST_ERR_THING_NOT_FOUND'],
      [`${lamp}/events/nope`, auth, 404, 'ROOST_ERR_AFFORDANCE_NOT_FOUND'],
      [`${lamp}/properties/nope/observe`, auth, 404, 'ROOST_ERR_AFFORDANCE_NOT_FOUND'],
      [`${lamp}/events/nope/longpoll`, auth, 404, 'ROOST_ERR_AFFORDANCE_NOT_FOUND'],
      [`${lamp}/events/button/longpoll?after=yesterday`, auth, 400, 'ROOST_ERR_BAD_REQUEST'],
      [`${lamp}/properties/nope/observe/longpoll`, auth, 404, 'ROOST_ERR_AFFORDANCE_NOT_FOUND'],
      [`${lamp}/properties/temperature/observe/longpoll`, {}, 401, 'ROOST_ERR_UNAUTHENTICATED'],
    ];
    for (const [url, headers, status, code] of cases) {
      const r = await fetch(url, { headers });
      assert.equal(r.status, status, url);
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(((await r.json()) as { code: string }).code, code);
    }
  });

  it('refuses streams beyond maxStreams with ROOST_ERR_RATE_LIMITED and frees a slot on close', async () => {
    const open = [0, 1, 2, 3].map(() => openSse(`${lamp}/events/button`, auth));
    await Promise.all(open.map((s) => s.opened()));
    const over = await fetch(`${lamp}/events/button`, { headers: auth });
    assert.equal(over.status, 429);
    assert.equal(((await over.json()) as { code: string }).code, 'ROOST_ERR_RATE_LIMITED');
    const overPoll = await fetch(`${lamp}/events/button/longpoll`, { headers: auth });
    assert.equal(overPoll.status, 429);
    open[0]?.close();
    await waitMetric('roost_http_event_streams', '{kind="sse"}', 3);
    const again = openSse(`${lamp}/events/button`, auth);
    await again.opened();
    for (const s of [...open, again]) s.close();
    await waitMetric('roost_http_event_streams', '{kind="sse"}', 0);
    assert.ok((await metric('roost_http_event_streams_rejected_total')) >= 2);
  });

  it('cuts off a client that stops reading, counts it, and keeps the others whole', async () => {
    const fast = openSse(`${lamp}/events/button`, auth);
    await fast.opened();
    const url = new URL(`${lamp}/events/button`);
    const slow = connect(Number(url.port), url.hostname);
    let slowOpen = false;
    slow.on('data', (d: Buffer) => {
      if (d.toString().includes('stream open')) slowOpen = true;
      slow.pause();
    });
    slow.on('error', () => undefined);
    slow.write(`GET ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: ${auth['authorization']}\r\n\r\n`);
    await fast.until(() => slowOpen, 'the slow stream to open');
    // The kernel holds a few MB for a client that does not read. One event at a time, each only
    // after the fast client has the one before, so only the slow client falls behind.
    const big = 'x'.repeat(32768);
    let sent = 0;
    while (sent % 16 !== 0 || (await metric('roost_http_event_streams_cut_off_total')) === 0) {
      assert.ok(sent < 1000, 'the slow client was never cut off');
      dev.ctx?.emitEvent(LAMP, 'button', `${sent++}:${big}`, (ts += 1));
      await fast.waitFor(sent);
    }
    assert.equal(await metric('roost_http_event_streams_cut_off_total'), 1);
    assert.equal(fast.messages.length, sent);
    assert.deepEqual(fast.messages.map((m) => Number((JSON.parse(m.data) as string).split(':')[0])), [...Array(sent).keys()]);
    assert.equal(await metric('roost_http_event_streams', '{kind="sse"}'), 1);
    slow.destroy();
    fast.close();
    await waitMetric('roost_http_event_streams', '{kind="sse"}', 0);
  });

  it('longpoll: HEAD answers 200 and marks the position, GET answers the next event, a cursor loses nothing, 204 on timeout', async () => {
    const poll = `${lamp}/events/button/longpoll`;
    const head = await fetch(poll, { method: 'HEAD', headers: auth });
    assert.equal(head.status, 200);
    // What happens between HEAD and the first GET (node-wot's handshake) is not lost.
    dev.ctx?.emitEvent(LAMP, 'button', 'lp-head', (ts += 1000));
    const afterHead = await fetch(poll, { headers: auth });
    assert.deepEqual([afterHead.headers.get('roost-event-id'), await afterHead.json()], [`${ts}-0`, 'lp-head']);

    const waiting = fetch(poll, { headers: auth });
    await waitMetric('roost_http_event_streams', '{kind="longpoll"}', 1);
    const t0 = (ts += 1000);
    dev.ctx?.emitEvent(LAMP, 'button', 'lp-0', t0);
    dev.ctx?.emitEvent(LAMP, 'button', 'lp-1', t0);
    dev.ctx?.emitEvent(LAMP, 'button', 'lp-2', t0 + 1);
    const first = await waiting;
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(first.headers.get('roost-event-id'), `${t0}-0`);
    assert.equal(await first.json(), 'lp-0');

    // An explicit cursor answers from history at once.
    const second = await fetch(`${poll}?after=${t0}-0`, { headers: auth });
    assert.deepEqual([second.headers.get('roost-event-id'), await second.json()], [`${t0}-1`, 'lp-1']);
    // Without one, the gateway remembers where this caller got to on this path.
    const third = await fetch(poll, { headers: auth });
    assert.deepEqual([third.headers.get('roost-event-id'), await third.json()], [`${t0 + 1}-0`, 'lp-2']);

    const timedOut = await fetch(poll, { headers: auth });
    assert.equal(timedOut.status, 204);
    assert.equal(timedOut.headers.get('roost-event-id'), `${t0 + 1}-0`);
    assert.equal(await metric('roost_http_event_streams', '{kind="longpoll"}'), 0);
  });

  it('ends open streams when the gateway stops (last: it stops the gateway)', async () => {
    const sse = openSse(`${lamp}/events/button`, auth);
    await sse.opened();
    const poll = fetch(`${lamp}/events/button/longpoll?after=${ts + 1000}-0`, { headers: auth });
    await waitMetric('roost_http_event_streams', '{kind="longpoll"}', 1);
    await gw.stop();
    assert.equal((await poll).status, 204);
    await sse.until(() => sse.ended, 'the stream to end');
  });
});

describe('event stream pieces', () => {
  it('formats SSE messages: one data line per line, no field broken by a line break', () => {
    assert.equal(formatSseMessage({ id: '5-0', data: '"a"' }), 'id: 5-0\ndata: "a"\n\n');
    assert.equal(formatSseMessage({ event: 'button', data: 'x\ny\r\nz' }), 'event: button\ndata: x\ndata: y\ndata: z\n\n');
    assert.equal(formatSseMessage({ id: 'bad\nid', event: 'e\rvil', data: '1' }), 'data: 1\n\n');
  });

  it('numbers messages of the same millisecond and parses cursors strictly', () => {
    const c = new CursorCounter({ ts: 10, k: 1 });
    assert.deepEqual([c.next(10), c.next(10), c.next(11), c.next(10)], [{ ts: 10, k: 2 }, { ts: 10, k: 3 }, { ts: 11, k: 0 }, { ts: 10, k: 0 }]);
    assert.deepEqual(parseCursor('1700000000000-3'), { ts: 1700000000000, k: 3 });
    assert.equal(parseCursor(undefined), undefined);
    for (const bad of ['1-', '-1', '1-2-3', 'a-1', '1'.repeat(16) + '-0']) assert.throws(() => parseCursor(bad), { code: 'ROOST_ERR_BAD_REQUEST' });
  });

  it('keeps longpoll positions for a while and at most maxEntries of them', () => {
    let now = 0;
    const m = new LongpollCursors({ ttlMs: 100, maxEntries: 2, now: () => now });
    const [a, b, c] = ['a', 'b', 'c'].map((who) => LongpollCursors.key(`Bearer ${who}`, '/p'));
    assert.notEqual(a, LongpollCursors.key('Bearer a', '/q'));
    m.set(a as string, { ts: 1, k: 0 });
    m.set(b as string, { ts: 2, k: 0 });
    m.set(c as string, { ts: 3, k: 0 });
    assert.deepEqual([m.get(a as string), m.get(b as string)?.ts, m.size], [undefined, 2, 2]);
    now = 100;
    assert.equal(m.get(c as string), undefined);
  });
});
