/**
 * The uplink (docs/uplink.md): one MQTT connection (the `mqtt` package; TCP or TLS, password or
 * client certificate, MQTT 3.1.1 or 5) from the gateway to an upstream broker. Up: property
 * values and events from the store-and-forward backlog (uplink-pump.ts), and as current state at
 * each connect and live after it, TDs, availability and action states. Down: action requests and
 * property writes, into the same queue as local ones (gateway/mqtt/requests.ts) with the
 * configured role. Reconnects with exponential back-off and full jitter. With `profile: hono` the
 * same connection speaks Eclipse Hono's MQTT adapter topics as a gateway instead (hono-profile.ts).
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Principal } from '../auth/users.js';
import type { UplinkConfig } from '../config/config.js';
import type { Hub } from '../hub/hub.js';
import type { Subscription } from '../hub/hub-api.js';
import type { BusMessage } from '../hub/types.js';
import type { MetricSample } from '../metrics/metric-sample.js';
import type { Db } from '../store/database.js';
import { mayPublish } from '../mqtt/acl.js';
import { availabilityTopic, OFFLINE, ONLINE } from '../mqtt/availability-publisher.js';
import { GATEWAY_THING_ID, HA_DISCOVERY_PREFIX, haId } from '../mqtt/ha-discovery.js';
import { HaDiscoveryPublisher } from '../mqtt/ha-discovery-publisher.js';
import { newCounters } from '../mqtt/mqtt-metrics.js';
import { PendingReplyStore } from '../mqtt/pending-replies.js';
import { RequestHandler } from '../mqtt/requests.js';
import { actionTopic, eventTopic, propertyTopic, tdTopic } from '../mqtt/topics.js';
import { Backlog, type BacklogRow } from './backlog.js';
import { HonoProfile, honoRowMessage } from './hono-profile.js';
import { uplinkMetrics, type UplinkCounters } from './uplink-metrics.js';
import { UplinkPump } from './uplink-pump.js';
import { UplinkTopics } from './uplink-topics.js';

let mqttLib: typeof import('mqtt').default | undefined;

export interface UplinkDeps {
  hub: Hub;
  db: Db;
  config: UplinkConfig;
  gatewayId: string;
  logger: Logger;
  syncWaitMs: number;
  now?: () => number;
}

const ACTIONS_MARK = 'actionsUpdatedAt';
const PAGE = 100;

export class Uplink {
  readonly topics: UplinkTopics;
  readonly backlog: Backlog;
  readonly counters: UplinkCounters = { connects: 0, connectFailures: 0, downstreamAccepted: 0, downstreamDenied: 0, downstreamMalformed: 0, controlSent: 0 };
  private readonly requestCounters = newCounters();
  private readonly pump: UplinkPump;
  private readonly requests: RequestHandler;
  private readonly principal: Principal;
  private readonly now: () => number;
  private client: MqttClient | null = null;
  private connected = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private trimTimer: NodeJS.Timeout | null = null;
  private sub: Subscription | null = null;
  private commitWaiting = false;
  private commitAgain = false;
  /** Home Assistant discovery upstream (uplink.homeAssistantDiscovery), sent again at each connect. */
  private readonly ha: HaDiscoveryPublisher | null;
  /** The Hono gateway profile (uplink.profile hono), or null for the roost topic tree. */
  private readonly hono: HonoProfile | null;

  constructor(private readonly deps: UplinkDeps) {
    this.now = deps.now ?? Date.now;
    this.topics = new UplinkTopics(deps.config.prefix, deps.gatewayId);
    this.backlog = new Backlog(deps.db);
    this.principal = { username: 'uplink', role: deps.config.role };
    this.pump = new UplinkPump({
      backlog: this.backlog,
      maxInFlight: deps.config.maxInFlight,
      replayShare: deps.config.replayShare,
      send: (row, stream) => this.sendRow(row, stream),
      onError: (err) => this.linkFailed(err),
    });
    this.requests = new RequestHandler({
      hub: deps.hub, counters: this.requestCounters, logger: deps.logger, syncWaitMs: deps.syncWaitMs, maxPendingReplies: 10_000,
      publish: (topic, payload) => this.publish(this.topics.up(topic), payload, 1, false),
      // Upstream requests for a sleeping device are answered after a restart too (docs/mqtt.md).
      replies: new PendingReplyStore(deps.db, 'uplink-reply:'), now: this.now,
    });
    this.hono = deps.config.profile === 'hono' ? new HonoProfile({
      hub: deps.hub, db: deps.db, principal: this.principal, logger: deps.logger, maxPending: 10_000, now: this.now,
      counters: this.counters, requestCounters: this.requestCounters,
      publish: (topic, payload, qos) => this.publish(topic, payload, qos, false),
    }) : null;
    const gw = haId(deps.gatewayId);
    // Hono's adapter takes its own topics only (an unknown one closes the connection): no discovery there.
    this.ha = deps.config.homeAssistantDiscovery && !this.hono ? new HaDiscoveryPublisher({
      hub: deps.hub, logger: deps.logger, maxBuffer: 10_000,
      options: {
        prefix: HA_DISCOVERY_PREFIX, topic: (t) => this.topics.up(t), gatewayAvailabilityTopic: this.topics.availability,
        gatewayDeviceId: `${gw}_${GATEWAY_THING_ID}`, idPrefix: `${gw}_`,
      },
      publish: (topic, payload, retain) => this.publish(topic, payload, 1, retain),
    }) : null;
  }

  start(): void {
    this.sub = this.deps.hub.subscribe((m) => this.onBus(m), { types: ['property', 'event', 'thing', 'online', 'action', 'awake'] });
    this.trimTimer = setInterval(() => this.trim(), 5000);
    this.trimTimer.unref();
    this.ha?.listen();
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sub?.unsubscribe();
    void this.ha?.stop();
    this.requests.close();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.trimTimer) clearInterval(this.trimTimer);
    this.pump.stop();
    const c = this.client;
    this.client = null;
    if (c) {
      if (this.connected && !this.hono) await this.publish(this.topics.availability, Buffer.from(OFFLINE), 1, true).catch(() => undefined);
      await c.endAsync(true).catch(() => undefined);
    }
    this.connected = false;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  private clientOptions(): IClientOptions {
    const c = this.deps.config;
    const o: IClientOptions = {
      clientId: c.clientId ?? `roost-${this.deps.gatewayId}`,
      protocolVersion: c.protocolVersion,
      // A persistent session: the broker keeps QoS 1 requests for the gateway while it is away.
      clean: false,
      keepalive: c.keepaliveS,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      rejectUnauthorized: c.tls.rejectUnauthorized,
    };
    // Hono's adapter ignores a will (user guide): the roost tree's gateway availability only.
    if (!this.hono) o.will = { topic: this.topics.availability, payload: Buffer.from(OFFLINE), qos: 1, retain: true };
    if (c.username !== undefined) o.username = c.username;
    if (c.password !== undefined) o.password = c.password;
    if (c.tls.ca) o.ca = readFileSync(c.tls.ca);
    if (c.tls.cert) o.cert = readFileSync(c.tls.cert);
    if (c.tls.key) o.key = readFileSync(c.tls.key);
    return o;
  }

  private connect(): void {
    if (this.stopped) return;
    const url = this.deps.config.url;
    if (!url) {
      this.deps.logger.error('uplink enabled without uplink.url');
      return;
    }
    // The MQTT client library loads with the first connection: a gateway without an uplink never
    // pays for it (issue 20, idle memory; the bundle splits it into its own chunk).
    if (!mqttLib) {
      import('mqtt').then((m) => {
        mqttLib = m.default;
        this.connect();
      }, (err: unknown) => this.linkFailed(err));
      return;
    }
    let client: MqttClient;
    try {
      client = mqttLib.connect(url, this.clientOptions());
    } catch (err) {
      this.linkFailed(err);
      return;
    }
    this.client = client;
    // The PUBACK of a request goes out once it is in the queue (MQTT 3.1.1 §4.3.2).
    client.handleMessage = (packet, done) => {
      this.downstream(packet);
      done();
    };
    client.once('connect', () => void this.onConnect(client));
    client.on('error', (err) => this.deps.logger.debug({ err }, 'uplink error'));
    client.once('close', () => {
      if (this.client === client) this.linkFailed(new Error('connection closed'));
    });
  }

  private async onConnect(client: MqttClient): Promise<void> {
    if (this.client !== client) return;
    this.connected = true;
    this.attempt = 0;
    this.counters.connects++;
    this.deps.logger.info({ url: this.deps.config.url, backlog: this.backlog.stats().messages }, 'uplink connected');
    try {
      this.trim();
      await client.subscribeAsync(this.hono?.filters ?? this.topics.downstreamFilters, { qos: 1 });
      if (this.hono) {
        this.pump.start();
        await this.hono.connected();
        return;
      }
      await this.publish(this.topics.availability, Buffer.from(ONLINE), 1, true);
      this.pump.start();
      await this.snapshot();
      await this.ha?.publishAll();
    } catch (err) {
      this.linkFailed(err);
    }
  }

  /** Down: drop the client, stop the pump, try again after a jittered back-off. */
  private linkFailed(err: unknown): void {
    const c = this.client;
    if (!c && this.retryTimer) return;
    if (this.connected) this.deps.logger.warn({ err }, 'uplink lost');
    else this.counters.connectFailures++;
    this.connected = false;
    this.client = null;
    this.pump.stop();
    c?.removeAllListeners('close');
    c?.end(true);
    if (this.stopped) return;
    const { reconnectMinMs: min, reconnectMaxMs: max } = this.deps.config;
    // Full jitter (exponential back-off, a random delay up to the cap) spreads a fleet's reconnects.
    const cap = Math.min(max, min * 2 ** Math.min(this.attempt, 20));
    const delay = Math.max(min / 2, Math.random() * cap);
    this.attempt++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private publish(topic: string, payload: Buffer, qos: 0 | 1, retain: boolean): Promise<void> {
    const c = this.client;
    if (!c || !this.connected) return Promise.reject(new Error('uplink not connected'));
    return c.publishAsync(topic, payload, { qos, retain }).then(() => undefined);
  }

  private sendRow(row: BacklogRow, stream: 'live' | 'replay'): Promise<void> {
    if (this.hono) {
      const m = honoRowMessage(row, stream === 'replay' ? 1 : this.deps.config.telemetryQos);
      return this.publish(m.topic, m.payload, m.qos, false);
    }
    const local = row.kind === 0 ? propertyTopic(row.thingId, row.name) : eventTopic(row.thingId, row.name);
    const qos = stream === 'replay' ? 1 : this.deps.config.telemetryQos;
    const c = this.client;
    if (!c || !this.connected) return Promise.reject(new Error('uplink not connected'));
    const opts: { qos: 0 | 1; retain: boolean; properties?: { userProperties: Record<string, string> } } = { qos, retain: row.kind === 0 };
    if (this.deps.config.protocolVersion === 5) opts.properties = { userProperties: { ts: String(row.ts) } };
    return c.publishAsync(this.topics.up(local), Buffer.from(row.value), opts).then(() => undefined);
  }

  /** Current state at each connect: every TD and availability (retained), and action states changed since the last link. */
  private async snapshot(): Promise<void> {
    const since = Number(this.backlog.getValue(ACTIONS_MARK) ?? 0);
    let mark = since;
    for (let offset = 0; ; offset += PAGE) {
      const { items } = this.deps.hub.listThings({ offset, limit: PAGE });
      for (const t of items) {
        await this.control(this.topics.up(tdTopic(t.id)), JSON.stringify(t.consumerTd), true);
        await this.control(this.topics.up(availabilityTopic(t.id)), t.online ? ONLINE : OFFLINE, true);
        for (const a of this.deps.hub.listActions(t.id, { limit: 1000 })) {
          if (a.updatedAt <= since) continue;
          await this.control(this.topics.actionState(actionTopic(a.thingId, a.name)), JSON.stringify(a), false);
          mark = Math.max(mark, a.updatedAt);
        }
      }
      if (items.length < PAGE) break;
    }
    this.backlog.setValue(ACTIONS_MARK, String(mark));
  }

  private async control(topic: string, payload: string, retain: boolean): Promise<void> {
    await this.publish(topic, Buffer.from(payload), 1, retain);
    this.counters.controlSent++;
  }

  private onBus(m: BusMessage): void {
    if (m.type === 'property' || m.type === 'event') {
      this.afterCommit();
      return;
    }
    if (this.hono) {
      this.hono.onBus(m, this.connected);
      return;
    }
    if (!this.connected) return; // sent as current state at the next connect
    const send = (topic: string, payload: string, retain: boolean): void => {
      this.control(topic, payload, retain).catch((err: unknown) => this.deps.logger.debug({ err, topic }, 'uplink control publish failed'));
    };
    switch (m.type) {
      case 'thing':
        if (m.change === 'removed') {
          send(this.topics.up(tdTopic(m.thingId)), '', true);
          send(this.topics.up(availabilityTopic(m.thingId)), '', true);
        } else {
          try {
            send(this.topics.up(tdTopic(m.thingId)), JSON.stringify(this.deps.hub.getThing(m.thingId).consumerTd), true);
          } catch {
            // removed again; its 'removed' message follows
          }
        }
        return;
      case 'online':
        send(this.topics.up(availabilityTopic(m.thingId)), m.online ? ONLINE : OFFLINE, true);
        return;
      case 'action':
        send(this.topics.actionState(actionTopic(m.action.thingId, m.action.name)), JSON.stringify(m.action), false);
        this.backlog.setValue(ACTIONS_MARK, String(m.action.updatedAt));
        return;
      default:
        return;
    }
  }

  /**
   * The row is in history once committed; the pump reads it from there. One wait at a time: rows
   * that came during it are waited for again when it ends (a burst costs two waits, not one each).
   */
  private afterCommit(): void {
    if (this.commitWaiting) {
      this.commitAgain = true;
      return;
    }
    this.commitWaiting = true;
    const done = (): void => {
      this.commitWaiting = false;
      this.pump.kick();
      if (this.commitAgain) {
        this.commitAgain = false;
        this.afterCommit();
      }
    };
    this.deps.hub.historyStore.committed().then(done, done);
  }

  /** A request from upstream: checked as a local client with the uplink's role would be, then queued. */
  private downstream(packet: IPublishPacket): void {
    if (this.hono) {
      this.hono.command(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload);
      return;
    }
    const t = this.topics.down(packet.topic);
    if (!t) {
      this.counters.downstreamMalformed++;
      this.deps.logger.debug({ topic: packet.topic }, 'uplink: not a request topic');
      return;
    }
    const local = t.kind === 'action' ? actionTopic(t.thingId, t.name) : `${propertyTopic(t.thingId, t.name)}/set`;
    const denied = mayPublish(this.principal, local);
    if (denied) {
      this.counters.downstreamDenied++;
      this.deps.logger.debug({ topic: packet.topic, code: denied.code }, 'uplink request denied');
      return;
    }
    this.counters.downstreamAccepted++;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    this.requests.handle(this.principal, t.kind === 'action' ? 'action' : 'write', t.thingId, t.name, payload)
      .catch((err: unknown) => this.deps.logger.error({ err }, 'uplink request failed'));
  }

  private trim(): void {
    try {
      const n = this.backlog.enforce(this.deps.config.buffer, this.now());
      if (n > 0) this.deps.logger.warn({ dropped: n }, 'uplink backlog over its limits: oldest dropped');
    } catch (err) {
      this.deps.logger.error({ err }, 'uplink backlog trim failed');
    }
  }

  metrics(): MetricSample[] {
    return uplinkMetrics({
      connected: this.connected, backlog: this.backlog.stats(), dropped: this.backlog.dropped, sent: this.pump.sent,
      counters: this.counters, requests: this.requestCounters, now: this.now(),
    });
  }
}
