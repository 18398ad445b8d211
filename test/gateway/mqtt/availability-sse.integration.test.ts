/**
 * Availability over SSE (docs/api.md "SSE"): a thing's all-events stream says `online` / `offline`
 * at every change of the thing's availability, as messages named `availability` between its
 * events, positioned so that resuming after one loses no event; the one-event stream carries none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestDeviceBinding } from '../../helpers/fake-device-binding.js';
import { TEST_ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { until } from '../../helpers/until.js';

const LAMP = 'urn:roost:ssea:lamp';

interface SseMsg { id?: string; event?: string; data: string }

/** Reads an SSE response into parsed messages as they come. */
function collect(res: Response): { messages: SseMsg[]; stop(): void } {
  const messages: SseMsg[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let buf = '';
  void (async () => {
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (r.done) return;
      buf += dec.decode(r.value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const m: SseMsg = { data: '' };
        let isMsg = false;
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) m.id = line.slice(4);
          else if (line.startsWith('event: ')) m.event = line.slice(7);
          else if (line.startsWith('data: ')) { m.data = line.slice(6); isMsg = true; }
        }
        if (isMsg) messages.push(m);
      }
    }
  })();
  return { messages, stop: () => void reader.cancel().catch(() => undefined) };
}


describe('availability over SSE', () => {
  let gw: TestGateway;
  let dev: TestDeviceBinding;
  let auth: string;

  before(async () => {
    dev = new TestDeviceBinding('ssea', [{ deviceId: 'lamp', sleepy: false }]);
    gw = await startTestGateway({}, { extraBindings: [dev] });
    const r = await fetch(`${gw.httpUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
    auth = `Bearer ${((await r.json()) as { token: string }).token}`;
  });

  after(() => gw.stop());

  it('the all-events stream says each availability change, between events', async () => {
    const res = await fetch(`${gw.httpUrl}/things/${encodeURIComponent(LAMP)}/events`, { headers: { authorization: auth } });
    assert.equal(res.status, 200);
    const s = collect(res);
    try {
      await sleep(50);
      dev.ctx?.setOnline(LAMP, false);
      await until('offline', () => s.messages.some((m) => m.data === '"offline"'));
      dev.ctx?.emitEvent(LAMP, 'button', 'pressed');
      await until('the event', () => s.messages.some((m) => m.event === 'button'));
      dev.ctx?.setOnline(LAMP, true);
      await until('online again', () => s.messages.some((m) => m.data === '"online"'));
      assert.deepEqual(s.messages.map((m) => `${m.event}:${m.data}`), ['availability:"offline"', 'button:"pressed"', 'availability:"online"']);
      // Availability takes no position of its own: resuming after it misses no event.
      assert.equal(s.messages[0]?.id, '0-0', 'before any event of a thing that has none');
      assert.equal(s.messages[2]?.id, s.messages[1]?.id);
      const resumed = collect(await fetch(`${gw.httpUrl}/things/${encodeURIComponent(LAMP)}/events`, { headers: { authorization: auth, 'last-event-id': s.messages[0]?.id ?? '' } }));
      await until('replayed event and availability', () => resumed.messages.length >= 2);
      // Availability is not replayed: a resume ends with the state as it is now, at the last position.
      assert.deepEqual(resumed.messages.map((m) => `${m.event}:${m.data}`), ['button:"pressed"', 'availability:"online"']);
      assert.equal(resumed.messages[1]?.id, resumed.messages[0]?.id);
      // While it is away the lamp goes offline: the next resume says so, after no event.
      resumed.stop();
      dev.ctx?.setOnline(LAMP, false);
      const again = collect(await fetch(`${gw.httpUrl}/things/${encodeURIComponent(LAMP)}/events`, { headers: { authorization: auth, 'last-event-id': resumed.messages[0]?.id ?? '' } }));
      await until('availability on resume', () => again.messages.length > 0);
      await sleep(100);
      again.stop();
      dev.ctx?.setOnline(LAMP, true);
      assert.deepEqual(again.messages.map((m) => `${m.event}:${m.data}`), ['availability:"offline"']);
      assert.equal(again.messages[0]?.id, resumed.messages[0]?.id, 'the position of the last event, resuming after it misses none');
    } finally {
      s.stop();
    }
  });

  it('a one-event stream carries no availability', async () => {
    const res = await fetch(`${gw.httpUrl}/things/${encodeURIComponent(LAMP)}/events/button`, { headers: { authorization: auth } });
    const s = collect(res);
    try {
      dev.ctx?.setOnline(LAMP, false);
      dev.ctx?.emitEvent(LAMP, 'button', 'again');
      await until('the event', () => s.messages.length > 0);
      await sleep(100);
      assert.deepEqual(s.messages.map((m) => m.data), ['"again"']);
    } finally {
      s.stop();
      dev.ctx?.setOnline(LAMP, true);
    }
  });
});
