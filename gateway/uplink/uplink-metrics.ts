/** The uplink's /metrics samples (docs/uplink.md "Metrics"), from its state and counters. */
import type { MetricSample } from '../metrics/metric-sample.js';
import type { MqttCounters } from '../mqtt/mqtt-metrics.js';
import type { BacklogStats } from './backlog.js';

export interface UplinkCounters {
  connects: number;
  connectFailures: number;
  downstreamAccepted: number;
  downstreamDenied: number;
  downstreamMalformed: number;
  controlSent: number;
}

export interface UplinkMetricState {
  connected: boolean;
  backlog: BacklogStats;
  dropped: { age: number; bytes: number };
  sent: { live: number; replay: number };
  counters: UplinkCounters;
  /** The request handler's counters (requests from upstream and their replies). */
  requests: MqttCounters;
  now: number;
}

export function uplinkMetrics(x: UplinkMetricState): MetricSample[] {
  const { backlog: s, counters: c, requests: r } = x;
  const g = (name: string, help: string, value: number): MetricSample => ({ name, help, type: 'gauge', value });
  const k = (name: string, help: string, value: number, labels?: Record<string, string>): MetricSample => ({ name, help, type: 'counter', value, ...(labels ? { labels } : {}) });
  return [
    g('roost_uplink_connected', 'Whether the uplink is connected (1) or not (0).', x.connected ? 1 : 0),
    g('roost_uplink_backlog_messages', 'Property values and events not yet acknowledged upstream.', s.messages),
    g('roost_uplink_backlog_bytes', 'Bytes of the backlog (value, name and thing id).', s.bytes),
    g('roost_uplink_backlog_age_seconds', 'Age of the oldest backlog message.', s.oldestTs === null ? 0 : Math.max(0, (x.now - s.oldestTs) / 1000)),
    k('roost_uplink_published_total', 'Backlog messages acknowledged upstream, by stream.', x.sent.live, { stream: 'live' }),
    k('roost_uplink_published_total', 'Backlog messages acknowledged upstream, by stream.', x.sent.replay, { stream: 'replay' }),
    k('roost_uplink_dropped_total', 'Backlog messages dropped by the limits.', x.dropped.age, { reason: 'age' }),
    k('roost_uplink_dropped_total', 'Backlog messages dropped by the limits.', x.dropped.bytes, { reason: 'bytes' }),
    k('roost_uplink_connects_total', 'Successful connections upstream.', c.connects),
    k('roost_uplink_connect_failures_total', 'Failed connection attempts.', c.connectFailures),
    k('roost_uplink_downstream_total', 'Messages from upstream, by result.', r.requestsAccepted, { result: 'accepted' }),
    k('roost_uplink_downstream_total', 'Messages from upstream, by result.', r.requestsFailed - r.aclDeniedPublish, { result: 'refused' }),
    k('roost_uplink_downstream_total', 'Messages from upstream, by result.', c.downstreamDenied + r.aclDeniedPublish, { result: 'denied' }),
    k('roost_uplink_downstream_total', 'Messages from upstream, by result.', c.downstreamMalformed, { result: 'malformed' }),
    k('roost_uplink_replies_dropped_total', 'Answers to upstream requests given up (over the limit, or the item pruned first).', r.repliesDropped),
  ];
}
