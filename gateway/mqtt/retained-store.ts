/**
 * The broker's retained messages, kept small (issue 20): it takes the place of aedes-persistence's
 * retained map (topic -> a copy of the whole aedes packet, whose payload was a Buffer: ~450 bytes
 * of heap a message, two per thing for a value and its availability, beside the payload's own
 * memory) and of its payloads (a thing's TD and Home Assistant configs, ~5.3 kB per thing, the
 * largest part of the gateway's memory per device; docs/fleet.md "Gateway memory per device").
 *
 * - A retained QoS 1 publish on a topic a renderer claims, whose payload is byte for byte what the
 *   renderer makes of the gateway's state at that moment, claims the topic's key (a thing id) for
 *   that renderer: from then on every topic the renderer makes for the key is retained, rendered
 *   when a subscription asks, as the state is then (the publishers publish each change, so that is
 *   what the last publish said or a newer state whose publish is on its way; a key whose thing is
 *   gone meanwhile renders nothing, and its clearing publish follows). A key costs one entry for
 *   all its renderers and topics, not a topic string each (~250 bytes a thing less).
 * - Any other retained payload is kept as a one-byte string of its bytes (latin1, which gives back
 *   every byte as it was): a short value costs a few dozen bytes of heap instead of a Buffer and an
 *   ArrayBuffer of its own, and pins no pool slab. On a claimed key's topic it stands in for the
 *   render until a publish of the render again.
 * - An empty payload clears the topic (MQTT 3.1.1 §3.3.1.3): a kept payload goes; on a claimed key,
 *   a thing that is gone gives up its claim, and a topic its thing still renders is remembered as
 *   cleared (an admin's clearing; rare) until a publish of the render again.
 */
import { Readable } from 'node:stream';
import type { PublishPacket } from 'aedes';
import { topicMatches } from './topic-filter.js';

/** What a renderer makes of one key, as the state stands now. */
export interface Rendered {
  /** The topics it has a payload for (cheap, or made along with the payloads). */
  topics(): readonly string[];
  payload(topic: string): Buffer | undefined;
}

export interface RetainedRenderer {
  /** The first level of every topic it claims (a wildcard subscription outside it skips it). */
  readonly root: string;
  /** What a topic is rendered from (a thing id), or undefined when it is not this renderer's topic. */
  keyOf(topic: string): string | undefined;
  /** A key's topics and payloads as they stand now; none when its thing is gone. Throws nothing. */
  render(key: string): Rendered;
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

/** At most 31 renderers: their claims on a key are the bits of one number. */
const MAX_RENDERERS = 31;

export class RetainedStore {
  /** Payloads kept as they came, by topic. */
  private readonly kept = new Map<string, Kept>();
  /** Claimed keys: bit i set when renderer i claims the key. */
  private readonly claims = new Map<string, number>();
  private claimCount = 0;
  /** Topics of claimed keys cleared while their thing still renders them. */
  private readonly cleared = new Set<string>();

  /**
   * `intern`: the string a key is kept as when first claimed, e.g. the directory's own thing id
   * string for the copy a renderer read out of a topic (40 bytes a thing less).
   */
  constructor(private readonly renderers: readonly RetainedRenderer[], private readonly intern: (key: string) => string = (k) => k) {
    if (renderers.length > MAX_RENDERERS) throw new RangeError(`at most ${MAX_RENDERERS} retained renderers`);
  }

  /** Retained messages held: kept topics, and one per key a renderer claims (a thing's TD, its set of discovery configs). */
  get size(): number {
    return this.kept.size + this.claimCount;
  }

  /** Keys claimed by renderers, counted once per renderer (tests, metrics). */
  get rendered(): number {
    return this.claimCount;
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
    const owner = this.owner(topic);
    if (payload.length === 0) {
      this.kept.delete(topic);
      if (owner && this.claimed(owner.key, owner.bit)) {
        const now = this.renderers[owner.index]!.render(owner.key);
        if (now.topics().length === 0) this.unclaim(owner.key, owner.bit);
        else if (now.payload(topic) !== undefined) this.cleared.add(topic);
      }
      return;
    }
    if (owner && packet.qos === 1 && this.renderers[owner.index]!.render(owner.key).payload(topic)?.equals(payload)) {
      this.kept.delete(topic);
      this.cleared.delete(topic);
      this.claim(owner.key, owner.bit);
      return;
    }
    const bytes = payload.toString('latin1');
    this.kept.set(topic, packet.qos === 1 ? bytes : { bytes, qos: packet.qos });
  }

  /** The renderer that claims a topic, and its key. */
  private owner(topic: string): { index: number; bit: number; key: string } | undefined {
    for (let i = 0; i < this.renderers.length; i++) {
      const key = this.renderers[i]!.keyOf(topic);
      if (key !== undefined) return { index: i, bit: 1 << i, key };
    }
    return undefined;
  }

  private claimed(key: string, bit: number): boolean {
    return ((this.claims.get(key) ?? 0) & bit) !== 0;
  }

  private claim(key: string, bit: number): void {
    const bits = this.claims.get(key);
    if (bits === undefined) this.claims.set(this.intern(key), bit);
    else if (bits & bit) return;
    else this.claims.set(key, bits | bit);
    this.claimCount++;
  }

  private unclaim(key: string, bit: number): void {
    const bits = (this.claims.get(key) ?? 0) & ~bit;
    if (bits === 0) this.claims.delete(key);
    else this.claims.set(key, bits);
    this.claimCount--;
    for (const topic of this.cleared) if (this.owner(topic)?.key === key) this.cleared.delete(topic);
  }

  /** Retained messages on topics any of the filters match, each once. */
  *matching(patterns: readonly string[]): Generator<PublishPacket> {
    // Filters without wildcards (a client that names its topics) look their topics up; else every topic is tried.
    if (patterns.every((p) => !p.includes('+') && !p.includes('#'))) {
      yield* this.named(patterns);
      return;
    }
    const matches = (topic: string): boolean => patterns.some((p) => topicMatches(p, topic));
    for (const [topic, v] of this.kept) if (matches(topic)) yield keptPacket(topic, v);
    const renderers = this.renderers.map((r) => patterns.some((p) => mayMatchRoot(p, r.root)));
    if (!renderers.includes(true)) return;
    for (const [key, bits] of this.claims) {
      for (let i = 0; i < this.renderers.length; i++) {
        if (!renderers[i] || (bits & (1 << i)) === 0) continue;
        const now = this.renderers[i]!.render(key);
        for (const topic of now.topics()) {
          if (!matches(topic) || this.kept.has(topic) || this.cleared.has(topic)) continue;
          const payload = now.payload(topic);
          if (payload) yield packet(topic, payload, 1);
        }
      }
    }
  }

  private *named(topics: readonly string[]): Generator<PublishPacket> {
    for (const topic of new Set(topics)) {
      const v = this.kept.get(topic);
      if (v !== undefined) {
        yield keptPacket(topic, v);
        continue;
      }
      const owner = this.owner(topic);
      if (!owner || !this.claimed(owner.key, owner.bit) || this.cleared.has(topic)) continue;
      const payload = this.renderers[owner.index]!.render(owner.key).payload(topic);
      if (payload) yield packet(topic, payload, 1);
    }
  }
}

/** A filter can match a topic whose first level is `root`. */
function mayMatchRoot(filter: string, root: string): boolean {
  const first = filter.split('/', 1)[0];
  return first === '#' || first === '+' || first === root;
}

function keptPacket(topic: string, v: Kept): PublishPacket {
  return typeof v === 'string' ? packet(topic, Buffer.from(v, 'latin1'), 1) : packet(topic, Buffer.from(v.bytes, 'latin1'), v.qos);
}

function packet(topic: string, payload: Buffer, qos: Qos): PublishPacket {
  return { cmd: 'publish', topic, payload, qos, retain: true, dup: false } as PublishPacket;
}
