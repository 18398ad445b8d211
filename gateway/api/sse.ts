/**
 * One Server-Sent Events stream on a raw HTTP response (WHATWG HTML §9.2 "Server-sent events").
 * Writes never wait: what the socket cannot take stays in the response's buffer, and a client
 * whose unsent bytes pass maxBufferedBytes is cut off (the connection is destroyed and onCutOff
 * is told), so a slow reader costs a bounded amount of memory and never holds up the bus. A writer
 * that can wait (a replay from history) asks `backlogged` and waits with `onceDrained`; a client
 * that reads nothing for drainTimeoutMs meanwhile is cut off too.
 */
import type { ServerResponse } from 'node:http';

export interface SseMessage {
  /** `id:` field; a client sends the last one back as `Last-Event-ID` when it reconnects. */
  id?: string;
  /** `event:` field; absent means the default `message` type (EventSource `onmessage`). */
  event?: string;
  /** The payload; each line becomes one `data:` line. */
  data: string;
}

export interface SseStreamOptions {
  /** Comment lines at this interval keep idle streams open through proxies. */
  heartbeatMs: number;
  /** Unsent bytes (response buffer plus socket buffer) above which the client is cut off. */
  maxBufferedBytes: number;
  /** A client that has not read what is buffered this long after onceDrained() was asked is cut off. */
  drainTimeoutMs: number;
  /** Called once when the client is cut off for being too slow. */
  onCutOff?: () => void;
  /** Called once when the stream ends, whatever the reason. */
  onClose?: () => void;
}

const LINE_BREAK = /\r\n|\r|\n/;

/** The wire form of one message: `id:`, `event:`, one `data:` per line, then a blank line. */
export function formatSseMessage(m: SseMessage): string {
  let out = '';
  // A field value cannot hold a line break; an id with one would also be ignored by clients (§9.2.6).
  if (m.id !== undefined && !LINE_BREAK.test(m.id)) out += `id: ${m.id}\n`;
  if (m.event !== undefined && !LINE_BREAK.test(m.event)) out += `event: ${m.event}\n`;
  for (const line of m.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

export class SseStream {
  private readonly res: ServerResponse;
  private readonly opts: SseStreamOptions;
  private timer: NodeJS.Timeout | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Set when the stream was cut off for being too slow. */
  cutOff = false;

  constructor(res: ServerResponse, opts: SseStreamOptions) {
    this.res = res;
    this.opts = opts;
    res.once('close', () => this.finish());
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Sends the status line and headers at once, so the client's `open` fires before any event. */
  start(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    this.write(': stream open\n\n');
    this.timer = setInterval(() => this.write(': heartbeat\n\n'), this.opts.heartbeatMs);
    this.timer.unref();
  }

  send(m: SseMessage): boolean {
    return this.write(formatSseMessage(m));
  }

  comment(text: string): boolean {
    return this.write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  /** True while the socket has not taken what was written (the response is above its high-water mark). */
  get backlogged(): boolean {
    return !this.closed && this.res.writableNeedDrain;
  }

  /** Calls `resume` once the client has read what is buffered, or cuts it off after drainTimeoutMs. */
  onceDrained(resume: () => void): void {
    if (this.closed || this.drainTimer) return;
    const drained = (): void => {
      if (this.drainTimer) clearTimeout(this.drainTimer);
      this.drainTimer = null;
      if (!this.closed) resume();
    };
    this.res.once('drain', drained);
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      this.res.off('drain', drained);
      this.cut();
    }, this.opts.drainTimeoutMs);
  }

  /** Ends the stream normally (server shutdown, thing removed). */
  end(): void {
    if (this.closed) return;
    this.res.end();
    this.finish();
  }

  private write(chunk: string): boolean {
    if (this.closed) return false;
    this.res.write(chunk);
    if (this.res.writableLength > this.opts.maxBufferedBytes) {
      this.cut();
      return false;
    }
    return true;
  }

  private cut(): void {
    if (this.closed) return;
    this.cutOff = true;
    this.opts.onCutOff?.();
    this.res.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    this.opts.onClose?.();
  }
}
