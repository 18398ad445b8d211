/**
 * What the MQTT broker counts, and its samples for /metrics.
 */
import type { MetricSample, MetricSource } from '../metrics/metric-sample.js';

export interface MqttCounters {
  messagesIn: number;
  messagesOut: number;
  authFailures: number;
  aclDeniedPublish: number;
  aclDeniedSubscribe: number;
  /** Bus messages the broker could not publish in time (its bounded bus buffer overflowed). */
  publishesDropped: number;
  /** Connections closed for a packet over mqtt.maxPacketBytes (or a malformed length). */
  packetsRefused: number;
  /** Sessions closed because their token expired or was revoked. */
  sessionsRevoked: number;
  requestsAccepted: number;
  requestsFailed: number;
  /** QoS 1 resends (DUP) of a request already queued, dropped (duplicate-guard.ts). */
  requestsDuplicate: number;
  /** Replies that could not be sent (pending table full, or a response topic not allowed). */
  repliesDropped: number;
  /** QoS 1 messages not kept for a stored session whose queue was full (session-queue.ts). */
  sessionQueueDropped: number;
  /** CONNECTs refused because the user held mqtt maxStoredSessionsPerUser stored sessions already. */
  sessionsRefused: number;
}

export function newCounters(): MqttCounters {
  return {
    messagesIn: 0, messagesOut: 0, authFailures: 0, aclDeniedPublish: 0, aclDeniedSubscribe: 0,
    publishesDropped: 0, packetsRefused: 0, sessionsRevoked: 0, requestsAccepted: 0, requestsFailed: 0, requestsDuplicate: 0, repliesDropped: 0,
    sessionQueueDropped: 0, sessionsRefused: 0,
  };
}

const counter = (name: string, help: string, value: number, labels?: Record<string, string>): MetricSample =>
  ({ name, help, type: 'counter', value, ...(labels ? { labels } : {}) });

export interface MqttGauges {
  clientsConnected(): number;
  busDropped(): number;
  /** Retained sets rendered from the hub when asked for, not kept: a thing's TD, values, availability, discovery configs (retained-store.ts). */
  retainedRendered(): number;
  /** Retained topics kept, and sets rendered. */
  retainedMessages(): number;
}

export function mqttMetricSource(c: MqttCounters, g: MqttGauges): MetricSource {
  return () => [
    { name: 'roost_mqtt_clients_connected', help: 'MQTT clients connected now.', type: 'gauge', value: g.clientsConnected() },
    { name: 'roost_mqtt_retained_messages', help: 'Retained MQTT messages the broker holds: topics kept, and sets rendered (a thing\'s TD, values, availability, Home Assistant configs: one each).', type: 'gauge', value: g.retainedMessages() },
    { name: 'roost_mqtt_retained_rendered', help: 'Retained sets rendered from the hub when a subscription asks, not kept: a thing\'s TD, values, availability, Home Assistant configs (one each).', type: 'gauge', value: g.retainedRendered() },
    counter('roost_mqtt_messages_in_total', 'PUBLISH packets received from MQTT clients.', c.messagesIn),
    counter('roost_mqtt_messages_out_total', 'PUBLISH packets sent to MQTT clients.', c.messagesOut),
    counter('roost_mqtt_auth_failures_total', 'MQTT CONNECTs refused for missing or bad credentials.', c.authFailures),
    counter('roost_mqtt_acl_denials_total', 'MQTT operations refused by the access rules.', c.aclDeniedPublish, { op: 'publish' }),
    counter('roost_mqtt_acl_denials_total', 'MQTT operations refused by the access rules.', c.aclDeniedSubscribe, { op: 'subscribe' }),
    counter('roost_mqtt_publishes_dropped_total', 'Hub messages not published over MQTT because the broker fell behind.', c.publishesDropped + g.busDropped()),
    counter('roost_mqtt_packets_refused_total', 'MQTT connections closed for an oversized or malformed packet.', c.packetsRefused),
    counter('roost_mqtt_sessions_revoked_total', 'MQTT sessions closed because their token expired or was revoked.', c.sessionsRevoked),
    counter('roost_mqtt_requests_total', 'Action requests and property writes received over MQTT.', c.requestsAccepted, { result: 'accepted' }),
    counter('roost_mqtt_requests_total', 'Action requests and property writes received over MQTT.', c.requestsFailed, { result: 'refused' }),
    counter('roost_mqtt_requests_total', 'Action requests and property writes received over MQTT.', c.requestsDuplicate, { result: 'duplicate' }),
    counter('roost_mqtt_replies_dropped_total', 'Replies to MQTT requests that could not be sent.', c.repliesDropped),
    counter('roost_mqtt_session_queue_dropped_total', 'QoS 1 messages not kept for a stored MQTT session whose queue was full.', c.sessionQueueDropped),
    counter('roost_mqtt_sessions_refused_total', 'MQTT CONNECTs refused because the user held the most stored sessions allowed.', c.sessionsRefused),
  ];
}
