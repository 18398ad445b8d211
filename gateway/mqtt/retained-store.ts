/**
 * The broker's retained messages, kept small (issue 20): it takes the place of aedes-persistence's
 * retained map (topic -> a copy of the whole aedes packet, whose payload was a Buffer: ~450 bytes
 * of heap a message, two per thing for a value and its availability, beside the payload's own
 * memory) and of its payloads (a thing's TD and Home Assistant configs, ~5.3 kB per thing, the
 * largest part of the gateway's memory per device; docs/fleet.md "Gateway memory per device").
 *
 * - A retained QoS 1 publish on a topic a renderer claims, whose payload is byte for byte what the
 *   renderer makes of the gateway's state at that moment, is kept as its topic alone: a TD or a
 *   discovery config, which the directory holds anyway. A new subscription gets it rendered as
 *   the state is then (the publishers publish each change, so that is what the last publish said
 *   or a newer state whose publish is on its way; a topic whose thing is gone meanwhile is left
 *   out, and its clearing publish follows).
 * - Any other retained payload is kept as a one-byte string of its bytes (latin1, which gives back
 *   every byte as it was): a short value costs a few dozen bytes of heap instead of a Buffer and an
 *   ArrayBuffer of its own, and pins no pool slab.
 * - An empty payload clears the topic (MQTT 3.1.1 §3.3.1.3).
 */
import { Readable } from 'node:stream';
import type { PublishPacket } from 'aedes';
import { topicMatches } from './topic-filter.js';

export interface RetainedRenderer {
  /** What a topic is rendered from (a thing id), or undefined when it is not this renderer's topic. */
  keyOf(topic: string): string | undefined;
  /** The payloads of a key's topics as they stand now; undefined for a topic that has none. Throws nothing. */
  render(key: string): (topic: string) => Buffer | undefined;
}

/** The parts of aedes' callback persistence this takes over. */
export interface RetainedPersistence {
  storeRetained(packet: PublishPacket, cb?: (err: Error | null) => void): unknown;
  createRetainedStreamCombi(patterns: string[]): Readable;
  createRetainedStream(pattern: string): Readable;
}

type Qos = PublishPacket['qos'];

/** A kept payload of QoS 1 (nearly all), or of another QoS. */
type Kept = string | { bytes: string; qos: Qos };

export class RetainedStore {
  /** Retained messages by topic: kept bytes, or the renderer that claimed the topic. */
  private readonly topics = new Map<string, Kept | RetainedRenderer>();
  private renderedCount = 0;

  constructor(private readonly renderers: readonly RetainedRenderer[]) {}

  /** Retained topics, rendered or kept. */
  get size(): number {
    return this.topics.size;
  }

  /** Retained topics rendered when asked for (tests, metrics). */
  get rendered(): number {
    return this.renderedCount;
  }

  /** Takes over aedes' retained messages (broker.persistence), before anything is published. */
  wrap(persistence: RetainedPersistence): void {
    persistence.storeRetained = (packet, cb) => {
      this.store(packet);
      if (cb) {
        process.nextTick(cb, null);
        return undefined;
      }
      return Promise.resolve();
    };
    persistence.createRetainedStreamCombi = (patterns) => Readable.from(this.matching(patterns));
    persistence.createRetainedStream = (pattern) => Readable.from(this.matching([pattern]));
  }

  store(packet: PublishPacket): void {
    const topic = packet.topic;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const before = this.topics.get(topic);
    if (before !== undefined && typeof before === 'object' && 'keyOf' in before) this.renderedCount--;
    if (payload.length === 0) {
      this.topics.delete(topic);
      return;
    }
    const renderer = packet.qos === 1 ? this.claim(topic, payload) : undefined;
    if (renderer) {
      this.renderedCount++;
      this.topics.set(topic, renderer);
      return;
    }
    const bytes = payload.toString('latin1');
    this.topics.set(topic, packet.qos === 1 ? bytes : { bytes, qos: packet.qos });
  }

  /** The renderer that makes exactly this payload now, if any. */
  private claim(topic: string, payload: Buffer): RetainedRenderer | undefined {
    for (const r of this.renderers) {
      const key = r.keyOf(topic);
      if (key === undefined) continue;
      return r.render(key)(topic)?.equals(payload) ? r : undefined;
    }
    return undefined;
  }

  /** Retained messages on topics any of the filters match, each once. */
  *matching(patterns: readonly string[]): Generator<PublishPacket> {
    // Filters without wildcards (a client that names its topics) look their topics up; else every topic is tried.
    const exact = patterns.every((p) => !p.includes('+') && !p.includes('#'));
    const entries = exact ? this.named(patterns) : this.topics.entries();
    // A thing's topics were stored one after another: its state is rendered once for them.
    let last: { renderer: RetainedRenderer; key: string; payloadOf: (topic: string) => Buffer | undefined } | undefined;
    for (const [topic, v] of entries) {
      if (!exact && !patterns.some((p) => topicMatches(p, topic))) continue;
      if (typeof v === 'string') {
        yield packet(topic, Buffer.from(v, 'latin1'), 1);
      } else if ('bytes' in v) {
        yield packet(topic, Buffer.from(v.bytes, 'latin1'), v.qos);
      } else {
        const key = v.keyOf(topic);
        if (key === undefined) continue;
        if (last?.renderer !== v || last.key !== key) last = { renderer: v, key, payloadOf: v.render(key) };
        const payload = last.payloadOf(topic);
        if (payload) yield packet(topic, payload, 1);
      }
    }
  }

  private *named(topics: readonly string[]): Generator<[string, Kept | RetainedRenderer]> {
    for (const topic of new Set(topics)) {
      const v = this.topics.get(topic);
      if (v !== undefined) yield [topic, v];
    }
  }
}

function packet(topic: string, payload: Buffer, qos: Qos): PublishPacket {
  return { cmd: 'publish', topic, payload, qos, retain: true, dup: false } as PublishPacket;
}
