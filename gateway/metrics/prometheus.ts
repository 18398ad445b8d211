/**
 * Prometheus text exposition format 0.0.4: samples grouped by name under one HELP and TYPE
 * line each, label values escaped, names sanitised to [a-zA-Z_:][a-zA-Z0-9_:]*.
 */
import type { MetricSample } from './metric-sample.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function metricName(raw: string): string {
  const name = raw.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[a-zA-Z_:]/.test(name) ? name : `_${name}`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderPrometheus(samples: readonly MetricSample[]): string {
  const groups = new Map<string, MetricSample[]>();
  for (const s of samples) {
    const name = metricName(s.name);
    const list = groups.get(name);
    if (list) list.push(s);
    else groups.set(name, [s]);
  }
  const lines: string[] = [];
  for (const [name, list] of groups) {
    const first = list[0]!;
    lines.push(`# HELP ${name} ${escapeHelp(first.help)}`, `# TYPE ${name} ${first.type}`);
    for (const s of list) {
      const labels = Object.entries(s.labels ?? {});
      const l = labels.length ? `{${labels.map(([k, v]) => `${metricName(k)}="${escapeLabel(v)}"`).join(',')}}` : '';
      lines.push(`${name}${l} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
