/**
 * The open event streams of the HTTP API (SSE streams and waiting longpolls): a cap on how many
 * may be open at once, the counters /metrics shows, and a way to end them all when the server
 * stops (an open stream would otherwise keep the server from closing).
 */
import { RateLimitedError } from '../../protocols/errors.js';
import type { MetricSample } from '../metrics/metric-sample.js';

export type StreamKind = 'sse' | 'longpoll';

export interface StreamSlot {
  readonly kind: StreamKind;
  /** Called if the server stops while the stream is open. */
  onEnd: () => void;
  /** Frees the slot (idempotent). */
  release(): void;
}

export class StreamRegistry {
  private readonly maxStreams: number;
  private readonly open = new Set<StreamSlot>();
  opened = 0;
  rejected = 0;
  cutOff = 0;
  closing = false;

  constructor(maxStreams: number) {
    this.maxStreams = maxStreams;
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Takes a slot; set its `onEnd` to be told when the server stops while the stream is open.
   * Throws RateLimitedError when every slot is taken.
   */
  acquire(kind: StreamKind): StreamSlot {
    if (this.closing) throw new RateLimitedError('the server is stopping');
    if (this.open.size >= this.maxStreams) {
      this.rejected++;
      throw new RateLimitedError(`too many event streams open (limit ${this.maxStreams})`, { limit: this.maxStreams });
    }
    const slot: StreamSlot = { kind, onEnd: () => undefined, release: () => void this.open.delete(slot) };
    this.open.add(slot);
    this.opened++;
    return slot;
  }

  /** Ends every open stream (server shutdown). */
  endAll(): void {
    this.closing = true;
    for (const s of [...this.open]) s.onEnd();
    this.open.clear();
  }

  metrics(): MetricSample[] {
    const count = (k: StreamKind) => [...this.open].filter((s) => s.kind === k).length;
    return [
      { name: 'roost_http_event_streams', help: 'Open SSE streams and waiting longpolls', type: 'gauge', value: count('sse'), labels: { kind: 'sse' } },
      { name: 'roost_http_event_streams', help: 'Open SSE streams and waiting longpolls', type: 'gauge', value: count('longpoll'), labels: { kind: 'longpoll' } },
      { name: 'roost_http_event_streams_opened_total', help: 'Event streams opened', type: 'counter', value: this.opened },
      { name: 'roost_http_event_streams_rejected_total', help: 'Event streams refused at the limit', type: 'counter', value: this.rejected },
      { name: 'roost_http_event_streams_cut_off_total', help: 'SSE clients cut off for reading too slowly', type: 'counter', value: this.cutOff },
    ];
  }
}
