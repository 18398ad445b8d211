/**
 * The hub's own samples for /metrics: its counters, its gauges, and every binding's state,
 * counters (roost_binding_<name>_<counter>_total) and gauges (roost_binding_<name>_<gauge>),
 * as the Binding contract in gateway/binding.ts promises.
 */
import type { BindingState } from '../binding.js';
import type { HubApi, HubCounters, HubGauges } from '../hub/hub-api.js';
import { patternCounters } from '../hub/linear-pattern.js';
import type { MetricSample } from './metric-sample.js';
import { metricName } from './prometheus.js';

/** Hub counter → metric name and help. A table, so a new counter cannot go unexported silently. */
const COUNTERS: Readonly<Record<keyof HubCounters, [string, string]>> = {
  eventsIn: ['roost_events_in_total', 'Events emitted by bindings'],
  propertiesIn: ['roost_property_updates_in_total', 'Property values reported by bindings'],
  deviceTimesClamped: ['roost_device_times_clamped_total', 'Values and events whose device time stamp was later than now + maxClockSkewMs, stored at their arrival time'],
  actionsQueued: ['roost_actions_queued_total', 'Actions and property writes accepted into the queue'],
  actionsDelivered: ['roost_actions_delivered_total', 'Queued items handed to a device'],
  actionsCompleted: ['roost_actions_completed_total', 'Queued items a device completed'],
  actionsFailed: ['roost_actions_failed_total', 'Queued items that failed'],
  actionsExpired: ['roost_actions_expired_total', 'Queued items whose TTL ran out before delivery'],
  actionsSuperseded: ['roost_actions_superseded_total', 'Property writes replaced by a newer write before delivery'],
  actionsCancelled: ['roost_actions_cancelled_total', 'Queued items cancelled by a client or a removed thing'],
  actionsRejected: ['roost_actions_rejected_total', 'Requests refused before queueing (full queue, bad input)'],
  busDropped: ['roost_bus_dropped_total', 'Bus messages dropped because a subscriber was slow'],
  historyRowsWritten: ['roost_history_rows_written_total', 'History rows committed to the store'],
  historyRowsDropped: ['roost_history_rows_dropped_total', 'History rows dropped (buffer full or store closed)'],
};

const GAUGES: Readonly<Record<keyof HubGauges, [string, string]>> = {
  things: ['roost_things', 'Things in the directory'],
  thingsOnline: ['roost_things_online', 'Things currently online'],
  actionsActive: ['roost_actions_active', 'Actions and writes queued or sent, not yet final'],
  busSubscribers: ['roost_bus_subscribers', 'Subscribers on the hub bus (history, MQTT, SSE streams)'],
};

const STATES: readonly BindingState[] = ['starting', 'running', 'absent', 'error', 'stopped'];

export function hubMetrics(hub: HubApi): MetricSample[] {
  const out: MetricSample[] = [];
  const counters = hub.counters();
  for (const [key, [name, help]] of Object.entries(COUNTERS) as Array<[keyof HubCounters, [string, string]]>) {
    out.push({ name, help, type: 'counter', value: counters[key] });
  }
  const gauges = hub.gauges();
  for (const [key, [name, help]] of Object.entries(GAUGES) as Array<[keyof HubGauges, [string, string]]>) {
    out.push({ name, help, type: 'gauge', value: gauges[key] });
  }
  out.push({ name: 'roost_value_patterns_unchecked_total', help: 'Strings refused because no engine could check their data schema pattern in bounded time (gateway/hub/linear-pattern.ts)', type: 'counter', value: patternCounters.unchecked });
  for (const [binding, status] of Object.entries(hub.bindingStatuses())) {
    for (const state of STATES) {
      out.push({ name: 'roost_binding_state', help: 'Binding state (1 for the current one)', type: 'gauge', value: status.state === state ? 1 : 0, labels: { binding, state } });
    }
    for (const [counter, value] of Object.entries(status.counters)) {
      const name = metricName(`roost_binding_${binding}_${counter.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}_total`);
      out.push({ name, help: `Counter ${counter} of the ${binding} binding`, type: 'counter', value });
    }
    for (const [gauge, value] of Object.entries(status.gauges ?? {})) {
      const name = metricName(`roost_binding_${binding}_${gauge.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`);
      out.push({ name, help: `Gauge ${gauge} of the ${binding} binding`, type: 'gauge', value });
    }
  }
  return out;
}

/** The process itself: resident memory, heap, uptime. */
export function processMetrics(): MetricSample[] {
  const m = process.memoryUsage();
  return [
    { name: 'roost_process_resident_memory_bytes', help: 'Resident set size', type: 'gauge', value: m.rss },
    { name: 'roost_process_heap_used_bytes', help: 'V8 heap in use', type: 'gauge', value: m.heapUsed },
    { name: 'roost_process_uptime_seconds', help: 'Seconds since the process started', type: 'gauge', value: Math.round(process.uptime()) },
  ];
}
