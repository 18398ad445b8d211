/**
 * The hub's in-process bus. publish() never waits for a subscriber: each subscriber has its own
 * bounded buffer, drained on a later tick; when a slow subscriber's buffer is full its oldest
 * message is dropped and counted, so one slow consumer cannot stall ingest or the others.
 */
import type { Logger } from 'pino';
import type { Subscription, SubscribeOptions } from './hub-api.js';
import type { BusMessage } from './types.js';

interface Subscriber {
  handler: (msg: BusMessage) => void | Promise<void>;
  types: ReadonlySet<string> | null;
  thingId: string | undefined;
  maxBuffer: number;
  buffer: BusMessage[];
  head: number;
  dropped: number;
  scheduled: boolean;
  active: boolean;
}

/** Messages a subscriber handles per tick before yielding to I/O. */
const DRAIN_BATCH = 1000;

function messageThing(msg: BusMessage): string {
  return msg.type === 'action' ? msg.action.thingId : msg.thingId;
}

export class EventBus {
  published = 0;
  private readonly subscribers = new Set<Subscriber>();
  private readonly defaultBuffer: number;
  private readonly logger: Logger;
  private droppedGone = 0;

  constructor(opts: { defaultBuffer: number; logger: Logger }) {
    this.defaultBuffer = opts.defaultBuffer;
    this.logger = opts.logger;
  }

  /** Total messages dropped across subscribers, including unsubscribed ones. */
  get dropped(): number {
    let n = this.droppedGone;
    for (const s of this.subscribers) n += s.dropped;
    return n;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  publish(msg: BusMessage): void {
    this.published++;
    for (const s of this.subscribers) {
      if (s.types && !s.types.has(msg.type)) continue;
      if (s.thingId !== undefined && s.thingId !== messageThing(msg)) continue;
      if (s.buffer.length - s.head >= s.maxBuffer) {
        s.head++;
        s.dropped++;
      }
      s.buffer.push(msg);
      if (!s.scheduled) {
        s.scheduled = true;
        setImmediate(() => this.drain(s));
      }
    }
  }

  /**
   * A handler that returns a promise gets its next message only after the promise settles
   * (a slow consumer, such as a network client, fills its own buffer and nobody else's).
   */
  subscribe(handler: (msg: BusMessage) => void | Promise<void>, opts: SubscribeOptions = {}): Subscription {
    const s: Subscriber = {
      handler,
      types: opts.types ? new Set(opts.types) : null,
      thingId: opts.thingId,
      maxBuffer: opts.maxBuffer ?? this.defaultBuffer,
      buffer: [],
      head: 0,
      dropped: 0,
      scheduled: false,
      active: true,
    };
    this.subscribers.add(s);
    return {
      get dropped() {
        return s.dropped;
      },
      unsubscribe: () => {
        if (!s.active) return;
        s.active = false;
        this.droppedGone += s.dropped;
        this.subscribers.delete(s);
        s.buffer = [];
        s.head = 0;
      },
    };
  }

  private drain(s: Subscriber): void {
    s.scheduled = false;
    const end = Math.min(s.buffer.length, s.head + DRAIN_BATCH);
    while (s.active && s.head < end) {
      const msg = s.buffer[s.head++] as BusMessage;
      let result: void | Promise<void>;
      try {
        result = s.handler(msg);
      } catch (err) {
        this.logger.error({ err }, 'bus subscriber threw');
        continue;
      }
      if (result && typeof result.then === 'function') {
        s.scheduled = true;
        result.then(
          () => this.drain(s),
          (err: unknown) => {
            this.logger.error({ err }, 'bus subscriber rejected');
            this.drain(s);
          },
        );
        return;
      }
    }
    if (s.head >= s.buffer.length) {
      s.buffer = [];
      s.head = 0;
      return;
    }
    if (s.head > 4096) {
      s.buffer = s.buffer.slice(s.head);
      s.head = 0;
    }
    if (s.active && !s.scheduled) {
      s.scheduled = true;
      setImmediate(() => this.drain(s));
    }
  }
}
