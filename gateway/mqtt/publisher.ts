/**
 * Feeds the broker from the hub's bus: consumer TDs (retained) on `things/{id}/td`, property values
 * (retained, JSON) on `things/{id}/property/{name}`, events on `things/{id}/event/{name}`, all QoS 1
 * (a subscriber's granted QoS caps it). At start every TD and twin value is published; when a thing
 * is removed its retained topics are cleared (an empty retained payload, MQTT 3.1.1 §3.3.1.3).
 *
 * The bus subscription has its own bounded buffer and this handler waits once maxInFlight publishes
 * are pending: when the broker falls behind (a frozen subscriber holds aedes' delivery slots until drainTimeout), the
 * oldest messages are dropped and counted instead of stalling ingest.
 */
import type { Logger } from 'pino';
import type { HubApi, Subscription } from '../hub/hub-api.js';
import type { BusMessage } from '../hub/types.js';
import type { MqttCounters } from './mqtt-metrics.js';
import { SharedLists } from './shared-lists.js';
import { eventTopic, propertyTopic, tdTopic } from './topics.js';

export interface PublisherDeps {
  hub: Pick<HubApi, 'subscribe' | 'listThings' | 'readAllProperties' | 'getThing'>;
  counters: MqttCounters;
  logger: Logger;
  /** Bus messages this publisher may fall behind by. */
  maxBuffer: number;
  /** Publishes handed to the broker and not yet done. */
  maxInFlight: number;
  publish(topic: string, payload: Buffer, retain: boolean): Promise<void>;
}

const EMPTY = Buffer.alloc(0);
const SNAPSHOT_PAGE = 100;

/** A value, an event's data or a TD as its MQTT payload (gateway/mqtt/retained-renderers.ts renders TDs the same way). */
export function jsonPayload(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v ?? null));
}

const json = jsonPayload;

export class Publisher {
  /**
   * Names of the properties each thing has a retained value of, to clear their topics when the
   * thing goes: one list shared by the things of a model (issue 20), not a Map of topics each.
   */
  private readonly retained = new Map<string, readonly string[]>();
  private readonly names = new SharedLists();
  private sub: Subscription | null = null;
  private ready: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private wake: (() => void) | null = null;

  constructor(private readonly deps: PublisherDeps) {}

  get busDropped(): number {
    return this.sub?.dropped ?? 0;
  }

  /** Subscribes first, then publishes the snapshot; bus messages wait for it, so the newest value wins. */
  start(): void {
    let snapshotDone = false;
    this.sub = this.deps.hub.subscribe((msg) => (snapshotDone ? this.dispatch(msg) : this.ready.then(() => this.dispatch(msg))),
      { types: ['thing', 'property', 'event'], maxBuffer: this.deps.maxBuffer });
    this.ready = this.snapshot()
      .catch((err: unknown) => this.deps.logger.error({ err }, 'mqtt snapshot failed'))
      .finally(() => { snapshotDone = true; });
  }

  /**
   * Up to maxInFlight publishes at once (aedes keeps their order); beyond that the bus waits for
   * one to finish, and its buffer takes the backlog.
   */
  private dispatch(msg: BusMessage): void | Promise<void> {
    this.inFlight++;
    // Values and events (nearly all the traffic) go out with one promise each; TD changes through onMessage.
    if (msg.type === 'property' || msg.type === 'event') {
      const topic = msg.type === 'property' ? this.propertyTopic(msg.thingId, msg.name) : eventTopic(msg.thingId, msg.name);
      this.deps.publish(topic, json(msg.type === 'property' ? msg.value : msg.data), msg.type === 'property').then(this.settled, (err: unknown) => {
        this.failed(err, topic);
        this.settled();
      });
    } else {
      void this.onMessage(msg).finally(this.settled);
    }
    if (this.inFlight >= this.deps.maxInFlight) return new Promise<void>((resolve) => { this.wake = resolve; });
  }

  private readonly settled = (): void => {
    this.inFlight--;
    const wake = this.wake;
    if (wake && this.inFlight < this.deps.maxInFlight) {
      this.wake = null;
      wake();
    }
  };

  private failed(err: unknown, topic: string): void {
    this.deps.counters.publishesDropped++;
    this.deps.logger.debug({ err, topic }, 'mqtt publish failed');
  }

  /** Resolves once the start-up snapshot is out (tests, benchmarks). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  stop(): void {
    this.sub?.unsubscribe();
  }

  private async snapshot(): Promise<void> {
    for (let offset = 0; ; offset += SNAPSHOT_PAGE) {
      const { items } = this.deps.hub.listThings({ offset, limit: SNAPSHOT_PAGE });
      for (const t of items) {
        await this.send(tdTopic(t.id), json(t.consumerTd), true);
        for (const [name, tv] of Object.entries(this.deps.hub.readAllProperties(t.id))) await this.sendProperty(t.id, name, tv.value);
      }
      if (items.length < SNAPSHOT_PAGE) return;
    }
  }

  private async onMessage(msg: BusMessage): Promise<void> {
    switch (msg.type) {
      case 'property':
        return this.sendProperty(msg.thingId, msg.name, msg.value);
      case 'event':
        return this.send(eventTopic(msg.thingId, msg.name), json(msg.data), false);
      case 'thing':
        return msg.change === 'removed' ? this.clear(msg.thingId) : this.sendTd(msg.thingId);
      default:
        return;
    }
  }

  private async sendTd(thingId: string): Promise<void> {
    let td: unknown;
    try {
      td = this.deps.hub.getThing(thingId).consumerTd;
    } catch {
      return; // removed again before we got to it; its 'removed' message follows
    }
    await this.send(tdTopic(thingId), json(td), true);
  }

  private async sendProperty(thingId: string, name: string, value: unknown): Promise<void> {
    await this.send(this.propertyTopic(thingId, name), json(value), true);
  }

  /** The topic of a property value, its name remembered as retained so that it is cleared with its thing. */
  private propertyTopic(thingId: string, name: string): string {
    const names = this.retained.get(thingId);
    if (names === undefined || !names.includes(name)) this.retained.set(thingId, this.names.with(names, name));
    return propertyTopic(thingId, name);
  }

  private async clear(thingId: string): Promise<void> {
    const topics = [tdTopic(thingId), ...(this.retained.get(thingId) ?? []).map((name) => propertyTopic(thingId, name))];
    this.retained.delete(thingId);
    for (const t of topics) await this.send(t, EMPTY, true);
  }

  private async send(topic: string, payload: Buffer, retain: boolean): Promise<void> {
    try {
      await this.deps.publish(topic, payload, retain);
    } catch (err) {
      this.failed(err, topic);
    }
  }
}
