/**
 * Pending devices on MQTT (docs/mqtt.md "Pending devices"): `devices/pending/{id}` retained, the
 * device's DeviceView as JSON (what it claims, how it was seen, never a credential), cleared with
 * an empty retained payload once an admin approved or rejected it. Fed by the bus's `device`
 * messages; at start every device pending then is published. Only admins and operators may
 * subscribe there (acl.ts).
 */
import type { Logger } from 'pino';
import type { HubApi, Subscription } from '../hub/hub-api.js';
import type { BusMessage } from '../hub/types.js';
import { deviceView } from '../onboarding/device-view.js';
import type { Onboarding } from '../onboarding/onboarding.js';
import type { MqttCounters } from './mqtt-metrics.js';
import { escapeLevel } from './topics.js';

/** The gateway's own tree of device onboarding; nobody else publishes there (acl.ts). */
export const DEVICES_ROOT = 'devices';
export const pendingTopic = (thingId: string): string => `${DEVICES_ROOT}/pending/${escapeLevel(thingId)}`;

export interface PendingPublisherDeps {
  hub: Pick<HubApi, 'subscribe'>;
  onboarding: Pick<Onboarding, 'list' | 'get'>;
  counters: MqttCounters;
  logger: Logger;
  maxBuffer: number;
  publish(topic: string, payload: Buffer, retain: boolean): Promise<void>;
}

const EMPTY = Buffer.alloc(0);

export class PendingPublisher {
  private sub: Subscription | null = null;
  /** Topics this publisher holds a retained message on, so that a decision clears exactly those. */
  private readonly retained = new Set<string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: PendingPublisherDeps) {}

  /** Subscribes, then publishes every pending device; messages are handled one after another, in order. */
  start(): void {
    this.sub = this.deps.hub.subscribe((msg) => this.enqueue(msg), { types: ['device'], maxBuffer: this.deps.maxBuffer });
    this.chain = this.chain.then(async () => {
      for (const d of this.deps.onboarding.list('pending')) await this.publishDevice(d.binding, d.deviceId);
    });
  }

  /** Resolves when every message so far is published (tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  stop(): void {
    this.sub?.unsubscribe();
  }

  private enqueue(msg: BusMessage): Promise<void> {
    if (msg.type !== 'device') return Promise.resolve();
    this.chain = this.chain.then(() => this.publishDevice(msg.binding, msg.deviceId));
    return this.chain;
  }

  /** The device as it stands now: pending -> its view, retained; otherwise the retained message is cleared. */
  private async publishDevice(binding: string, deviceId: string): Promise<void> {
    let d;
    try {
      d = this.deps.onboarding.get(binding, deviceId);
    } catch {
      return;
    }
    const view = deviceView(d);
    const topic = pendingTopic(view.id);
    if (d.state === 'pending') {
      this.retained.add(topic);
      await this.send(topic, Buffer.from(JSON.stringify(view)));
    } else if (this.retained.delete(topic)) {
      await this.send(topic, EMPTY);
    }
  }

  private async send(topic: string, payload: Buffer): Promise<void> {
    try {
      await this.deps.publish(topic, payload, true);
    } catch (err) {
      this.deps.counters.publishesDropped++;
      this.deps.logger.debug({ err, topic }, 'mqtt publish failed');
    }
  }
}
