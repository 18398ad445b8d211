// Server-Sent Events read with fetch and a stream reader (EventSource cannot send the
// authorization header). Reconnects by itself with Last-Event-ID, so nothing is lost or
// repeated across a reconnect (docs/api.md, Events: Resuming).
import { authHeaders, call } from './api.js';

/**
 * Incremental parser of the text/event-stream format (HTML Living Standard §9.2.6): push text
 * chunks as they come; onMessage gets { id, event, data } for each complete message, with the
 * id in force (the last one seen) and event 'message' when unnamed. Comments are ignored.
 */
export function createSseParser(onMessage) {
  let buffer = '';
  let afterCr = false;
  let data = [];
  let event = '';
  let lastId = '';
  let hasData = false;
  const line = (l) => {
    if (l === '') {
      if (hasData) onMessage({ id: lastId, event: event || 'message', data: data.join('\n') });
      data = [];
      event = '';
      hasData = false;
      return;
    }
    if (l.startsWith(':')) return;
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      data.push(value);
      hasData = true;
    } else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
  };
  return {
    push(chunk) {
      if (chunk === '') return;
      // A \r ends a line at once; a \n right after it (the rest of a \r\n) is then skipped.
      if (afterCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
      afterCr = chunk.endsWith('\r');
      buffer += chunk;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const l of lines) line(l);
    },
    get lastId() {
      return lastId;
    },
  };
}

export const SSE_DEFAULTS = { minRetryMs: 1000, maxRetryMs: 15000 };

/**
 * Opens a stream at `path` and keeps it open until close(). onMessage gets each message;
 * onState 'open' | 'retrying' | 'failed' (a 4xx other than 429 is not retried; 401 brings the
 * login back through api.js). `lastEventId` resumes after that position from the start.
 */
export function openStream(path, { onMessage, onState = () => {}, lastEventId, minRetryMs = SSE_DEFAULTS.minRetryMs, maxRetryMs = SSE_DEFAULTS.maxRetryMs } = {}) {
  const abort = new AbortController();
  let id = lastEventId ?? '';
  let delay = minRetryMs;
  let timer;
  const run = async () => {
    if (abort.signal.aborted) return;
    try {
      const headers = { ...authHeaders(), accept: 'text/event-stream' };
      if (id) headers['last-event-id'] = id;
      const res = await call('GET', path, { headers, signal: abort.signal });
      onState('open');
      delay = minRetryMs;
      const parser = createSseParser((m) => onMessage(m));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        if (parser.lastId) id = parser.lastId;
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      if (err.status && err.status !== 429 && err.status < 500) {
        onState('failed', err);
        return;
      }
    }
    if (abort.signal.aborted) return;
    onState('retrying');
    timer = setTimeout(run, delay);
    delay = Math.min(delay * 2, maxRetryMs);
  };
  void run();
  return {
    close() {
      abort.abort();
      clearTimeout(timer);
    },
    get lastEventId() {
      return id;
    },
  };
}
