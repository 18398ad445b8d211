/**
 * GET /metrics: Prometheus text format. Needs a bearer token like everything but /healthz (a
 * Prometheus scrape job sets `authorization: { credentials: <agent token> }`); any role may read.
 */
import type { FastifyInstance } from 'fastify';
import { hubMetrics, processMetrics } from '../../metrics/hub-metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../metrics/prometheus.js';
import type { RouteDeps } from '../route-deps.js';

export async function metricsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/metrics', async (_req, reply) => {
    const samples = [...hubMetrics(deps.hub), ...processMetrics(), ...deps.metricSources.flatMap((source) => source())];
    void reply.type(PROMETHEUS_CONTENT_TYPE);
    return renderPrometheus(samples);
  });
}
