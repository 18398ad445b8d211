/**
 * An SSE client resuming with Last-Event-ID over a slow link: the replay from history goes at the
 * client's pace instead of cutting it off for the size of its own backlog (which made it reconnect
 * and be cut off again, for ever); a client that reads nothing is still cut off, after
 * http.events.drainTimeoutMs.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { until } from '../../helpers/until.js';

const LAMP = 'urn:roost:testdev:lamp';
const EVENTS = 400;
/** 4 KiB an event: the replay is 1.6 MB, far more than maxBufferedBytes and the kernel's buffers at the start of a connection. */
const BIG = 'x'.repeat(4096);

describe('SSE replay at the client\'s pace', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let auth: Record<string, string>;
  let url: URL;
  const t0 = 1_700_000_000_000;

  const metric = async (name: string, labels = ''): Promise<number> => {
    const text = await (await fetch(`${gw.httpUrl}/metrics`, { headers: auth })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? NaN : Number(line.split(' ')[1]);
  };

  before(async () => {
    dev = new TestDeviceBinding('testdev', [{ deviceId: 'lamp', sleepy: false }]);
    gw = await startTestGateway({ http: { events: { maxBufferedBytes: 65536, drainTimeoutMs: 1500, maxReplay: 1000 } } }, { extraBindings: [dev] });
    const r = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
    auth = { authorization: `Bearer ${((await r.json()) as { token: string }).token}` };
    url = new URL(`${gw.httpUrl}/things/${encodeURIComponent(LAMP)}/events/button`);
    for (let i = 0; i < EVENTS; i++) dev.ctx?.emitEvent(LAMP, 'button', `${i}:${BIG}`, t0 + i);
  });
  after(async () => {
    await gw.stop();
  });

  /** A raw HTTP client that reads nothing until `readAfterMs`, then everything; the text it got (chunk framing and all). */
  function slowClient(readAfterMs: number | null, cursor = `${t0}-0`) {
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    let closed = false;
    socket.pause();
    socket.on('data', (d: Buffer) => { text += d.toString('latin1'); });
    socket.on('error', () => undefined);
    socket.on('close', () => { closed = true; });
    socket.write(`GET ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: ${auth['authorization']}\r\nlast-event-id: ${cursor}\r\n\r\n`);
    if (readAfterMs !== null) setTimeout(() => socket.resume(), readAfterMs);
    return {
      socket,
      get text() { return text; },
      get closed() { return closed; },
      /** Event numbers received, in order (each `data:` line starts with the number). */
      numbers: () => [...text.matchAll(/data: "(\d+):/g)].map((m) => Number(m[1])),
    };
  }

  it('gets every row history holds after its cursor, then live events, without being cut off', async () => {
    const cutBefore = await metric('roost_http_event_streams_cut_off_total');
    const c = slowClient(500);
    await until('the whole replay to arrive', () => c.numbers().length >= EVENTS - 1 || c.closed, 30_000);
    assert.equal(c.closed, false, `cut off after ${c.numbers().length} of ${EVENTS - 1} events`);
    dev.ctx?.emitEvent(LAMP, 'button', `${EVENTS}:live`, t0 + EVENTS);
    await until('the live event after the replay', () => c.numbers().length >= EVENTS, 10_000);
    assert.deepEqual(c.numbers(), Array.from({ length: EVENTS }, (_, i) => i + 1));
    assert.equal(await metric('roost_http_event_streams_cut_off_total'), cutBefore);
    c.socket.destroy();
  });

  it('cuts off a resuming client that reads nothing, after drainTimeoutMs, and frees its slot', async () => {
    // More than the kernel holds for a connection whose reader is idle (a few MB on loopback).
    const t1 = t0 + 1_000_000;
    const huge = 'y'.repeat(16384);
    for (let i = 0; i < 800; i++) dev.ctx?.emitEvent(LAMP, 'button', `${i}:${huge}`, t1 + i);
    const cutBefore = await metric('roost_http_event_streams_cut_off_total');
    const c = slowClient(null, `${t1}-0`);
    const t = Date.now();
    await until('the silent client to be cut off', async () => (await metric('roost_http_event_streams_cut_off_total')) === cutBefore + 1, 10_000);
    assert.ok(Date.now() - t >= 1000, `cut off after ${Date.now() - t} ms, before drainTimeoutMs`);
    await until('its slot to be freed', async () => (await metric('roost_http_event_streams', '{kind="sse"}')) === 0, 5000);
    c.socket.destroy();
  });
});
