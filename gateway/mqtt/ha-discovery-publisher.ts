/**
 * Publishes Home Assistant discovery configs (ha-discovery.ts), retained: every thing's at start
 * (and at each call of publishAll, which the uplink makes at each connect), a thing's again when
 * its TD changes, and when a thing is removed, or an affordance is gone from its TD, an empty
 * retained payload on each config topic it had, which is how Home Assistant removes an entity.
 */
import type { Logger } from 'pino';
import type { HubApi, Subscription } from '../hub/hub-api.js';
import type { BusMessage } from '../hub/types.js';
import { discoveryMessages, discoveryNodeId, discoveryTopic, haConfigPayload, type HaComponent, type HaOptions } from './ha-discovery.js';
import { SharedLists } from './shared-lists.js';

export interface HaDiscoveryPublisherDeps {
  hub: Pick<HubApi, 'subscribe' | 'listThings' | 'getThing'>;
  logger: Logger;
  maxBuffer: number;
  options: HaOptions;
  publish(topic: string, payload: Buffer, retain: boolean): Promise<void>;
  /** Counted when a publish fails. */
  onDropped?: () => void;
}

const PAGE = 100;
const EMPTY = Buffer.alloc(0);

export class HaDiscoveryPublisher {
  /**
   * The config topics published per thing, to clear them when the thing or an affordance goes, as
   * their component and object id levels in turn (`sensor`, `property_temp`, ...): one list shared
   * by the things of a model (issue 20), not a Set of topics each.
   */
  private readonly topics = new Map<string, readonly string[]>();
  private readonly levels = new SharedLists();
  private sub: Subscription | null = null;
  private chain: Promise<void> = Promise.resolve();
  published = 0;

  constructor(private readonly deps: HaDiscoveryPublisherDeps) {}

  start(): void {
    this.listen();
    void this.publishAll();
  }

  /** Follows TD changes and removals without the first publishAll (the uplink makes one at each connect). */
  listen(): void {
    this.sub = this.deps.hub.subscribe((m) => this.enqueue(m), { types: ['thing'], maxBuffer: this.deps.maxBuffer });
  }

  /** Every thing's configs again (a new connection upstream). */
  publishAll(): Promise<void> {
    this.chain = this.chain.then(async () => {
      for (let offset = 0; ; offset += PAGE) {
        const { items } = this.deps.hub.listThings({ offset, limit: PAGE });
        for (const t of items) await this.sendThing(t.id);
        if (items.length < PAGE) break;
      }
    });
    return this.chain;
  }

  /** Resolves when everything so far is published (tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    this.sub = null;
    await this.chain;
  }

  private enqueue(m: BusMessage): Promise<void> {
    if (m.type !== 'thing') return this.chain;
    this.chain = this.chain.then(() => (m.change === 'removed' ? this.clear(m.thingId, new Set()) : this.sendThing(m.thingId)));
    return this.chain;
  }

  private async sendThing(thingId: string): Promise<void> {
    let messages;
    try {
      const t = this.deps.hub.getThing(thingId);
      messages = discoveryMessages({ id: t.id, binding: t.binding, consumerTd: t.consumerTd }, this.deps.options);
    } catch {
      return; // removed again; its 'removed' message follows
    }
    const now = new Set(messages.map((m) => m.topic));
    await this.clear(thingId, now);
    for (const m of messages) await this.send(m.topic, haConfigPayload(m));
    if (messages.length === 0) this.topics.delete(thingId);
    else this.topics.set(thingId, this.levels.share(messages.flatMap((m) => [m.component, m.objectId])));
  }

  /** Empties the config topics of a thing that are not in `keep`. */
  private async clear(thingId: string, keep: Set<string>): Promise<void> {
    const before = this.topicsOf(thingId);
    for (const topic of before) if (!keep.has(topic)) await this.send(topic, EMPTY);
    if (keep.size === 0) this.topics.delete(thingId);
  }

  /** The config topics last published for a thing. */
  private topicsOf(thingId: string): string[] {
    const levels = this.topics.get(thingId);
    if (levels === undefined) return [];
    const nodeId = discoveryNodeId(thingId, this.deps.options);
    const out: string[] = [];
    for (let i = 0; i + 1 < levels.length; i += 2) out.push(discoveryTopic(this.deps.options.prefix, levels[i] as HaComponent, nodeId, levels[i + 1]!));
    return out;
  }

  private async send(topic: string, payload: Buffer): Promise<void> {
    try {
      await this.deps.publish(topic, payload, true);
      this.published++;
    } catch (err) {
      this.deps.onDropped?.();
      this.deps.logger.debug({ err, topic }, 'home assistant discovery publish failed');
    }
  }
}
