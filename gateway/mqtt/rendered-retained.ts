/**
 * Retained messages the gateway renders again from its own state instead of keeping (issue 20). A
 * thing's TD and its Home Assistant discovery configs were ~5.3 kB of retained payload per thing in
 * the broker (a CoAP sensor's TD alone ~3.6 kB), the largest part of the gateway's memory per device
 * (docs/fleet.md "Gateway memory per device"), and the same facts are in the directory already.
 *
 * Wraps aedes' persistence: a retained publish on a topic a renderer claims, whose payload is byte
 * for byte what the renderer makes of the gateway's state at that moment, is kept as its topic
 * alone; anything else (another payload, QoS 0, a topic no renderer claims, an empty payload that
 * clears the topic) goes to the persistence as before, in a buffer of its own size. A new
 * subscription gets the persistence's retained messages, then the rendered ones that its filters
 * match, rendered as the subscription comes: the state then, not older (the publishers publish
 * each change; a topic whose thing or affordance is gone meanwhile is left out, and its clearing
 * publish follows).
 */
import { Readable } from 'node:stream';
import type { PublishPacket } from 'aedes';
import { ownedPayload } from './retained-payloads.js';
import { topicMatches } from './topic-filter.js';

export interface RetainedRenderer {
  /** What a topic is rendered from (a thing id), or undefined when it is not this renderer's topic. */
  keyOf(topic: string): string | undefined;
  /** The payloads of a key's topics as they stand now; undefined for a topic that has none. Throws nothing. */
  render(key: string): (topic: string) => Buffer | undefined;
}

/** The parts of aedes' callback persistence this wraps. */
export interface RetainedPersistence {
  storeRetained(packet: PublishPacket, ...rest: unknown[]): unknown;
  createRetainedStreamCombi(patterns: string[]): Readable;
  createRetainedStream(pattern: string): Readable;
}

const EMPTY = Buffer.alloc(0);

export class RenderedRetained {
  /** Rendered topics, each with the renderer that claimed it (one shared object per kind of topic). */
  private readonly topics = new Map<string, RetainedRenderer>();

  constructor(private readonly renderers: readonly RetainedRenderer[]) {}

  /** Topics kept as rendered (tests, metrics). */
  get size(): number {
    return this.topics.size;
  }

  /** Installs the wrapper on aedes' persistence (broker.persistence). */
  wrap(persistence: RetainedPersistence): void {
    const store = persistence.storeRetained.bind(persistence);
    const combi = persistence.createRetainedStreamCombi.bind(persistence);
    persistence.storeRetained = (packet, ...rest) => {
      const renderer = this.claim(packet);
      if (renderer) {
        this.topics.set(packet.topic, renderer);
        // The persistence drops what it had on the topic.
        return store({ ...packet, payload: EMPTY }, ...rest);
      }
      this.topics.delete(packet.topic);
      const payload = Buffer.isBuffer(packet.payload) ? ownedPayload(packet.payload) : packet.payload;
      return store(payload === packet.payload ? packet : { ...packet, payload }, ...rest);
    };
    persistence.createRetainedStreamCombi = (patterns) => Readable.from(this.stream(combi(patterns), patterns));
    persistence.createRetainedStream = (pattern) => persistence.createRetainedStreamCombi([pattern]);
  }

  /** The renderer that makes exactly this retained payload now, if any. */
  private claim(packet: PublishPacket): RetainedRenderer | undefined {
    const payload = packet.payload;
    if (packet.qos !== 1 || !Buffer.isBuffer(payload) || payload.length === 0) return undefined;
    for (const r of this.renderers) {
      const key = r.keyOf(packet.topic);
      if (key === undefined) continue;
      return r.render(key)(packet.topic)?.equals(payload) ? r : undefined;
    }
    return undefined;
  }

  private async *stream(kept: AsyncIterable<PublishPacket>, patterns: readonly string[]): AsyncGenerator<PublishPacket> {
    yield* kept;
    yield* this.rendered(patterns);
  }

  /** Rendered retained messages on topics any of the filters match, each once. */
  *rendered(patterns: readonly string[]): Generator<PublishPacket> {
    // A thing's topics were stored one after another: its state is rendered once for them.
    let last: { renderer: RetainedRenderer; key: string; payloadOf: (topic: string) => Buffer | undefined } | undefined;
    for (const [topic, renderer] of this.topics) {
      if (!patterns.some((p) => topicMatches(p, topic))) continue;
      const key = renderer.keyOf(topic);
      if (key === undefined) continue;
      if (last?.renderer !== renderer || last.key !== key) last = { renderer, key, payloadOf: renderer.render(key) };
      const payload = last.payloadOf(topic);
      if (payload) yield { cmd: 'publish', topic, payload, qos: 1, retain: true, dup: false } as PublishPacket;
    }
  }
}
