/**
 * GET /metrics: Prometheus text format. Needs a bearer token like everything but /healthz (a
 * Prometheus scrape job sets `authorization: { credentials: <agent token> }`); any role may read.
 */
import type { FastifyInstance } from 'fastify';
import type { HubApi, HubValueCounters } from '../../hub/hub-api.js';
import type { MetricSample } from '../../metrics/metric-sample.js';
import { hubMetrics, processMetrics } from '../../metrics/hub-metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../metrics/prometheus.js';
import type { RouteDeps } from '../route-deps.js';

/** The hub's value counters (checked device values, live reads): metric name and help. */
const VALUE_COUNTERS: Readonly<Record<keyof HubValueCounters, [string, string]>> = {
  deviceValuesDropped: ['roost_device_values_dropped_total', 'Property values from devices dropped because they do not fit the TD'],
  liveReads: ['roost_live_reads_total', 'Property reads asked of always-on devices'],
  liveReadTimeouts: ['roost_live_read_timeouts_total', 'Property reads of always-on devices that timed out (504)'],
  liveReadFailures: ['roost_live_read_failures_total', 'Property reads of always-on devices that failed'],
};

function valueMetrics(hub: HubApi): MetricSample[] {
  const c = hub.valueCounters();
  return (Object.entries(VALUE_COUNTERS) as Array<[keyof HubValueCounters, [string, string]]>)
    .map(([key, [name, help]]) => ({ name, help, type: 'counter', value: c[key] }));
}

export async function metricsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/metrics', async (_req, reply) => {
    const samples = [...hubMetrics(deps.hub), ...valueMetrics(deps.hub), ...processMetrics(), ...deps.metricSources.flatMap((source) => source())];
    void reply.type(PROMETHEUS_CONTENT_TYPE);
    return renderPrometheus(samples);
  });
}
