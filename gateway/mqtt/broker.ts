/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1) on TCP and, when given the HTTP server, over
 * WebSocket at /mqtt. aedes' callback hooks are wrapped here, once: CONNECT goes to MqttAuth,
 * SUBSCRIBE and PUBLISH to the ACL, requests to RequestHandler; the bus feeds the topics through
 * Publisher. Token and password sessions are re-checked every authCheckIntervalMs.
 */
import { createServer, type Server as NetServer } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import type { HubApi } from '../hub/hub-api.js';
import type { MetricSource } from '../metrics/metric-sample.js';
import { toRoostError } from '../../protocols/errors.js';
import { DEFAULT_MAX_JSON_DEPTH } from '../api/http-options.js';
import { mayPublish, maySubscribe } from './acl.js';
import { ClientIds, connackCode, type MqttAuth, type Session } from './auth.js';
import { attachAgents } from './agent-bridge.js';
import { attachDeviceIngest } from './device-ingest.js';
import { DuplicateGuard } from './duplicate-guard.js';
import { mqttMetricSource, newCounters, type MqttCounters } from './mqtt-metrics.js';
import { ConnectionLimits, limitConnections } from '../net/connection-limits.js';
import { guardConnection } from './packet-limit.js';
import { PendingPublisher } from './pending-publisher.js';
import { Publish0Encoder, replaceDeliver0 } from './qos0-delivery.js';
import { AvailabilityPublisher, GATEWAY_AVAILABILITY_TOPIC } from './availability-publisher.js';
import { GATEWAY_THING_ID, HA_DISCOVERY_PREFIX } from './ha-discovery.js';
import { HaDiscoveryPublisher } from './ha-discovery-publisher.js';
import { Publisher } from './publisher.js';
import { RetainedStore, type RetainedPersistence } from './retained-store.js';
import { haDiscoveryRenderer, tdRenderer } from './retained-renderers.js';
import { availabilityRenderer, valueRenderer } from './state-renderers.js';
import type { PendingReplyStore } from './pending-replies.js';
import { RequestHandler } from './requests.js';
import { SessionQueueLimit, type OutgoingQueue } from './session-queue.js';
import { DISCARD_TOPIC, parseThingTopic } from './topics.js';
import { attachWebSocket, type WebSocketAttachment } from './websocket.js';

export interface MqttOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Plain MQTT on port; false leaves only MQTTS (when deps.tls is given). */
  plain?: boolean;
  /** Serve MQTT over WebSocket at /mqtt on the HTTP server too. */
  websocket: boolean;
  /** Largest MQTT packet accepted, fixed header included; a bigger one closes the connection. */
  maxPacketBytes: number;
  /** How often live sessions are checked for an expired or revoked token (ms). */
  authCheckIntervalMs: number;
  /** How long a request waits for its final state before the first reply carries the current one (ms). */
  syncWaitMs: number;
  maxPendingReplies: number;
  /** Hub bus messages the broker may fall behind by before the oldest are dropped. */
  busBuffer: number;
  /** A subscriber whose socket does not drain for this long is disconnected (ms). */
  drainTimeoutMs: number;
  /**
   * Bytes of QoS 0 packets that may wait for one slow subscriber before its deliveries hold the
   * publisher (qos0-delivery.ts); nothing is dropped. At least 16 KiB (the stream's high-water mark).
   */
  maxQueuedBytesPerClient: number;
  /** A connection that sends no CONNECT for this long is closed (ms). */
  connectTimeoutMs: number;
  /** Deepest nesting of arrays and objects in a request payload; deeper is refused (ROOST_ERR_BAD_REQUEST). */
  maxJsonDepth: number;
  /** Home Assistant MQTT discovery under homeassistant/ (ha-discovery.ts); default true. */
  homeAssistantDiscovery?: boolean;
  /** Stored sessions (Clean Session 0) one user may hold; a CONNECT for one more is refused (return code 2). */
  maxStoredSessionsPerUser?: number;
  /** QoS 1 messages kept for one stored session, offline or unacknowledged; beyond it they are dropped and counted (session-queue.ts). */
  maxQueuedPerSession?: number;
  /** Open TCP connections to MQTT and MQTTS together, and from one source (gateway/net/connection-limits.ts); 0: no bound. */
  maxConnections?: number;
  maxConnectionsPerSource?: number;
}

export const DEFAULT_MQTT_OPTIONS: MqttOptions = {
  host: '0.0.0.0',
  port: 1883,
  websocket: true,
  maxPacketBytes: 262144,
  authCheckIntervalMs: 10000,
  syncWaitMs: 2000,
  maxPendingReplies: 10000,
  busBuffer: 10000,
  drainTimeoutMs: 10000,
  maxQueuedBytesPerClient: 1024 * 1024,
  connectTimeoutMs: 10000,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  homeAssistantDiscovery: true,
  maxStoredSessionsPerUser: 32,
  maxQueuedPerSession: 1000,
  maxConnections: 4096,
  maxConnectionsPerSource: 1024,
};

export interface MqttDeps {
  hub: HubApi;
  auth: MqttAuth;
  logger: Logger;
  options: MqttOptions;
  httpServer?: HttpServer | undefined;
  /** MQTT over TLS on its own port with the gateway's certificate (re-read when an admin installs one). */
  tls?: { port: number; material: () => { cert: string; key: string }; onChange: (listener: (m: { cert: string; key: string }) => void) => void } | undefined;
  /** The HTTPS server, for MQTT over WSS at /mqtt. */
  httpsServer?: HttpsServer | undefined;
  /** Called once the broker listens, before the retained snapshot goes out (endpoints in TDs). */
  beforePublish?: (url: string) => void;
  /** Where requests waiting for a final reply survive a restart (pending-replies.ts). */
  replies?: PendingReplyStore | undefined;
}

export interface MqttBroker {
  /** mqtt://host:port it listens on (mqtts:// when plain MQTT is off). */
  readonly url: string;
  /** mqtts://host:port, when TLS is on. */
  readonly tlsUrl?: string;
  readonly counters: MqttCounters;
  readonly metrics: MetricSource;
  /** Resolves once the retained TDs and twin values of the start are published. */
  ready(): Promise<void>;
  /** Publishes a message of the gateway's own (QoS 1), e.g. a rule's notification (gateway/rules). */
  publish(topic: string, payload: Buffer, retain: boolean): Promise<void>;
  close(): Promise<void>;
}

type AuthError = Error & { returnCode: number };

/** Bus messages handed to aedes at once (measured: 64 vs 1 in flight, see docs/mqtt.md). */
const PUBLISH_WINDOW = 64;

export async function startMqttBroker(deps: MqttDeps): Promise<MqttBroker> {
  const { hub, auth, options: o } = deps;
  const logger = deps.logger.child({ module: 'mqtt' });
  const counters = newCounters();
  const sessions = new WeakMap<Client, Session>();
  const live = new Set<Client>();
  const clientIds = new ClientIds(o.maxStoredSessionsPerUser ?? DEFAULT_MQTT_OPTIONS.maxStoredSessionsPerUser);
  // The client's address per connection, for login throttling per source.
  const sources = new WeakMap<object, string>();

  const broker = await Aedes.createBroker({ drainTimeout: o.drainTimeoutMs, connectTimeout: o.connectTimeoutMs });
  const publish = (topic: string, payload: Buffer, retain: boolean): Promise<void> => new Promise((resolve, reject) => {
    const packet: PublishPacket = { cmd: 'publish', topic, payload, qos: 1, retain, dup: false };
    broker.publish(packet, (err) => (err ? reject(err) : resolve()));
  });
  const requests = new RequestHandler({
    hub, counters, logger, syncWaitMs: o.syncWaitMs, maxPendingReplies: o.maxPendingReplies, maxJsonDepth: o.maxJsonDepth,
    publish: (topic, payload) => publish(topic, payload, false), ...(deps.replies ? { replies: deps.replies } : {}),
  });
  const publisher = new Publisher({ hub, counters, logger, maxBuffer: o.busBuffer, maxInFlight: PUBLISH_WINDOW, publish });
  const pending = new PendingPublisher({ hub, onboarding: hub.onboarding, counters, logger, maxBuffer: o.busBuffer, publish });
  const availability = new AvailabilityPublisher({ hub, logger, maxBuffer: o.busBuffer, publish, onDropped: () => { counters.publishesDropped++; } });
  const haOptions = { prefix: HA_DISCOVERY_PREFIX, topic: (t: string) => t, gatewayAvailabilityTopic: GATEWAY_AVAILABILITY_TOPIC, gatewayDeviceId: GATEWAY_THING_ID, idPrefix: '' };
  const haDiscovery = o.homeAssistantDiscovery === false ? null : new HaDiscoveryPublisher({
    hub, logger, maxBuffer: o.busBuffer, publish, onDropped: () => { counters.publishesDropped++; }, options: haOptions,
  });
  // Retained messages small: TDs, values, availability and discovery configs rendered from the hub when a subscription asks, the rest as strings (retained-store.ts).
  const renderers = [tdRenderer(hub), valueRenderer(hub), availabilityRenderer(hub), ...(haDiscovery ? [haDiscoveryRenderer(hub, haOptions)] : [])];
  const retained = new RetainedStore(renderers, (id) => {
    try {
      return hub.getThing(id).id; // the directory's string, not another copy per thing
    } catch {
      return id;
    }
  });
  retained.wrap((broker as unknown as { persistence: RetainedPersistence }).persistence);
  const sessionQueue = new SessionQueueLimit(o.maxQueuedPerSession ?? DEFAULT_MQTT_OPTIONS.maxQueuedPerSession!, (clientId) => {
    counters.sessionQueueDropped++;
    // Online with a full queue: it has not acknowledged maxQueuedPerSession messages.
    const client = (broker as unknown as { clients: Record<string, Client | undefined> }).clients[clientId];
    if (!client || (client as Client & { closed?: boolean }).closed) return;
    logger.info({ clientId, queued: sessionQueue.queuedFor(clientId) }, 'mqtt session closed: too many unacknowledged messages');
    client.close();
  });
  sessionQueue.wrap((broker as unknown as { persistence: OutgoingQueue }).persistence);

  broker.authenticate = (client, username, password, done) => {
    auth.authenticate(username, password, sources.get(client.conn) ?? 'unknown').then((s) => {
      // MQTT 3.1.1 §3.2.2.3: return code 2, identifier rejected.
      const claimed = clientIds.claimSession(client.id, s.principal.username, !client.clean);
      if (claimed === 'in-use') throw Object.assign(new Error('client id in use by another user'), { returnCode: 2 });
      if (claimed === 'too-many-sessions') {
        counters.sessionsRefused++;
        throw Object.assign(new Error('too many stored sessions for this user'), { returnCode: 2 });
      }
      sessions.set(client, s);
      done(null, true);
    }).catch((err: unknown) => {
      counters.authFailures++;
      const rc = (err as Partial<AuthError>).returnCode ?? connackCode(toRoostError(err));
      logger.debug({ clientId: client.id, returnCode: rc }, 'mqtt connect refused');
      done(Object.assign(new Error(rc === 4 ? 'bad user name or password' : 'not authorized'), { returnCode: rc }) as AuthError, null);
    });
  };

  broker.authorizeSubscribe = (client, sub, done) => {
    const s = sessions.get(client);
    if (s && maySubscribe(s.principal, sub.topic)) return done(null, sub);
    // MQTT 3.1.1 §3.9.3: the refused filter gets 0x80 in SUBACK; the others go on.
    counters.aclDeniedSubscribe++;
    done(null, null);
  };

  const encoder = new Publish0Encoder();
  const duplicates = new DuplicateGuard({ maxEntries: 10_000, windowMs: 5 * 60_000, now: Date.now });
  broker.authorizePublish = (client, packet, done) => {
    const s = client ? sessions.get(client) : undefined;
    if (client) counters.messagesIn++;
    const denied = s ? mayPublish(s.principal, packet.topic) : toRoostError(new Error('no session'));
    const t = denied ? null : parseThingTopic(packet.topic);
    const isRequest = client !== null && s !== undefined && t !== null && (t.kind === 'action' || t.kind === 'property-set');
    if (isRequest && duplicates.isDuplicate(client.id, packet.messageId, packet.dup === true)) {
      counters.requestsDuplicate++;
      discard(packet);
    } else if (s && t && (t.kind === 'action' || t.kind === 'property-set')) {
      // Queued before the PUBACK goes out: a QoS 1 acknowledgement means the request is in the queue.
      requests.handle(s.principal, t.kind === 'action' ? 'action' : 'write', t.thingId, t.name, packet.payload as Buffer)
        .catch((err: unknown) => logger.error({ err }, 'mqtt request failed'));
      discard(packet);
    } else if (denied) {
      counters.aclDeniedPublish++;
      logger.debug({ clientId: client?.id, topic: packet.topic, code: denied.code }, 'mqtt publish denied');
      discard(packet);
    }
    // MQTT 3.1.1 §3.3.5: a server that does not authorize a PUBLISH acknowledges it as usual (or
    // closes the connection); aedes closes on an error, so denied and consumed packets are
    // acknowledged and routed where nobody can subscribe.
    done(null);
  };

  broker.authorizeForward = (_client, packet) => {
    if (packet.topic.startsWith(DISCARD_TOPIC)) return null;
    counters.messagesOut++;
    return packet;
  };

  // Device tokens (username JWT) publishing readings: gateway/mqtt/device-ingest.ts.
  const deviceIngest = attachDeviceIngest(broker, { hub, logger, counters, clientIds, checkIntervalMs: o.authCheckIntervalMs });
  // Agents' own tree agents/{agent}/...: gateway/mqtt/agent-bridge.ts.
  attachAgents(broker, { hub, logger, counters, principalOf: (c) => sessions.get(c)?.principal, publish, maxJsonDepth: o.maxJsonDepth });

  broker.on('clientReady', (client) => live.add(client));
  broker.on('clientDisconnect', (client) => {
    live.delete(client);
    const s = sessions.get(client);
    if (s && client.clean) clientIds.release(client.id, s.principal.username);
  });

  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void Promise.all([...live].map(async (client) => {
      const s = sessions.get(client);
      if (!s || (await auth.check(s))) return;
      counters.sessionsRevoked++;
      logger.info({ clientId: client.id, username: s.principal.username, via: s.via }, 'mqtt session ended: credentials expired or revoked');
      live.delete(client);
      client.close();
    })).catch((err: unknown) => logger.error({ err }, 'mqtt session check failed')).finally(() => { sweeping = false; });
  }, o.authCheckIntervalMs);
  sweep.unref();

  const handle = (conn: Duplex, req?: import('node:http').IncomingMessage): void => {
    const guarded = guardConnection(conn, o.maxPacketBytes, (v) => {
      counters.packetsRefused++;
      logger.debug({ reason: v.reason, size: v.ok === false && v.reason === 'too-large' ? v.size : undefined }, 'mqtt connection closed: packet refused');
    });
    const address = req?.socket.remoteAddress ?? (conn as Partial<import('node:net').Socket>).remoteAddress;
    if (address !== undefined) sources.set(guarded, address);
    replaceDeliver0(broker.handle(guarded, req), encoder, Math.max(16384, o.maxQueuedBytesPerClient));
  };

  const onSocket = (socket: import('node:net').Socket): void => {
    socket.setNoDelay(true);
    handle(socket);
  };
  const server: NetServer | null = o.plain === false && deps.tls ? null : createServer(onSocket);
  const secure: TlsServer | null = deps.tls ? createTlsServer({ ...deps.tls.material() }, onSocket) : null;
  // Before the TLS handshake and the CONNECT: MQTT over WebSocket counts with HTTP's connections.
  const limits = new ConnectionLimits({ maxConnections: o.maxConnections ?? 0, maxConnectionsPerSource: o.maxConnectionsPerSource ?? 0 });
  for (const srv of [server, secure]) {
    if (srv) limitConnections(srv, limits, (reason, address) => logger.debug({ reason, address }, 'mqtt connection refused'));
  }
  deps.tls?.onChange((m) => secure?.setSecureContext({ ...m }));
  const listen = (srv: NetServer, port: number): Promise<void> => new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, o.host, () => resolve());
  });
  let ws: WebSocketAttachment | null = null;
  let wss: WebSocketAttachment | null = null;
  try {
    if (server) await listen(server, o.port);
    if (secure && deps.tls) await listen(secure, deps.tls.port);
    if (o.websocket && deps.httpServer) ws = attachWebSocket(deps.httpServer, handle, o.maxPacketBytes * 4);
    if (o.websocket && deps.httpsServer) wss = attachWebSocket(deps.httpsServer, handle, o.maxPacketBytes * 4);
  } catch (err) {
    server?.close();
    secure?.close();
    clearInterval(sweep);
    requests.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const portOf = (srv: NetServer): number => {
    const addr = srv.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  };
  const tlsUrl = secure ? `mqtts://${host}:${portOf(secure)}` : undefined;
  const url = server ? `mqtt://${host}:${portOf(server)}` : tlsUrl!;
  const port = server ? portOf(server) : secure ? portOf(secure) : o.port;
  deps.beforePublish?.(url);
  publisher.start();
  pending.start();
  availability.start();
  haDiscovery?.start();
  logger.info({ port, tls: tlsUrl, websocket: ws !== null, wss: wss !== null }, 'mqtt broker listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    ...(tlsUrl ? { tlsUrl } : {}),
    counters,
    metrics: () => [
      ...mqttMetricSource(counters, { clientsConnected: () => broker.connectedClients, busDropped: () => publisher.busDropped, retainedRendered: () => retained.rendered, retainedMessages: () => retained.size })(),
      ...limits.metrics('mqtt'),
    ],
    publish,
    ready: () => Promise.all([publisher.whenReady(), availability.idle(), haDiscovery?.idle()]).then(() => undefined),
    close(): Promise<void> {
      closing ??= (async () => {
        clearInterval(sweep);
        deviceIngest.close();
        publisher.stop();
        pending.stop();
        await haDiscovery?.stop();
        await availability.stop();
        requests.close();
        await ws?.close();
        await wss?.close();
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        await Promise.all([server, secure].map((srv) => srv && new Promise<void>((resolve) => srv.close(() => resolve()))));
      })();
      return closing;
    },
  };
}

function discard(packet: PublishPacket): void {
  packet.topic = DISCARD_TOPIC;
  packet.retain = false;
  packet.payload = Buffer.alloc(0);
}
