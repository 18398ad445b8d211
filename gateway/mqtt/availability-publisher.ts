/**
 * Availability on MQTT (docs/mqtt.md "Availability"): `things/{id}/availability` retained,
 * `online` or `offline` (the strings Home Assistant expects by default), from the hub's `online`
 * state (for sleepy things kept by AvailabilityTracker); and the gateway's own
 * `gateway/availability`. At start every thing's state is published; a removed thing's
 * availability is cleared (an empty retained payload).
 */
import type { Logger } from 'pino';
import type { HubApi, Subscription } from '../hub/hub-api.js';
import type { BusMessage } from '../hub/types.js';
import { thingTopic } from './topics.js';

export const availabilityTopic = (thingId: string): string => `${thingTopic(thingId)}/availability`;
/** The gateway's own availability (the uplink's last will says `offline` there upstream). */
export const GATEWAY_AVAILABILITY_TOPIC = 'gateway/availability';
export const ONLINE = 'online';
export const OFFLINE = 'offline';

export interface AvailabilityPublisherDeps {
  hub: Pick<HubApi, 'subscribe' | 'listThings' | 'getThing'>;
  logger: Logger;
  maxBuffer: number;
  publish(topic: string, payload: Buffer, retain: boolean): Promise<void>;
  /** Counted when a publish fails. */
  onDropped?: () => void;
}

const PAGE = 100;

export class AvailabilityPublisher {
  private sub: Subscription | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AvailabilityPublisherDeps) {}

  start(): void {
    this.sub = this.deps.hub.subscribe((m) => this.enqueue(m), { types: ['online', 'thing'], maxBuffer: this.deps.maxBuffer });
    this.chain = this.chain.then(async () => {
      await this.send(GATEWAY_AVAILABILITY_TOPIC, ONLINE);
      for (let offset = 0; ; offset += PAGE) {
        const { items } = this.deps.hub.listThings({ offset, limit: PAGE });
        for (const t of items) await this.send(availabilityTopic(t.id), t.online ? ONLINE : OFFLINE);
        if (items.length < PAGE) break;
      }
    });
  }

  /** Resolves when everything so far is published (tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Says `offline` for the gateway (a clean stop) and stops. */
  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    this.sub = null;
    await this.chain;
    await this.send(GATEWAY_AVAILABILITY_TOPIC, OFFLINE);
  }

  private enqueue(m: BusMessage): Promise<void> {
    if (m.type === 'online') this.chain = this.chain.then(() => this.send(availabilityTopic(m.thingId), m.online ? ONLINE : OFFLINE));
    else if (m.type === 'thing' && m.change === 'removed') this.chain = this.chain.then(() => this.send(availabilityTopic(m.thingId), ''));
    else if (m.type === 'thing' && m.change === 'added') this.chain = this.chain.then(() => this.sendCurrent(m.thingId));
    return this.chain;
  }

  private async sendCurrent(thingId: string): Promise<void> {
    let online: boolean;
    try {
      online = this.deps.hub.getThing(thingId).online;
    } catch {
      return; // removed again; its 'removed' message follows
    }
    await this.send(availabilityTopic(thingId), online ? ONLINE : OFFLINE);
  }

  private async send(topic: string, payload: string): Promise<void> {
    try {
      await this.deps.publish(topic, Buffer.from(payload), true);
    } catch (err) {
      this.deps.onDropped?.();
      this.deps.logger.debug({ err, topic }, 'availability publish failed');
    }
  }
}
