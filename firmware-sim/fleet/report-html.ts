/**
 * The fleet report as one self-contained HTML page for testers: inline CSS and inline SVG plots
 * (svg-plot.ts), no script, and a Content-Security-Policy that forbids loading anything, so the
 * page shows the same offline and makes no request. Built from the JSON report (report.ts)
 * alone: battery life per kind and its spread, radio-on time and bytes per wake, latency from
 * invocation to execution, readings sent, acknowledged and stored, faults injected.
 */
import type { FleetReport } from './report.js';
import { barChart, boxPlot, cdfPlot, esc, fmt } from './svg-plot.js';

/** One plot of the page. */
interface Plot {
  title: string;
  note: string;
  /** The SVG (and legend), or null when the run has nothing to draw. */
  body: string | null;
  empty: string;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;color:#1d2329;margin:24px auto;max-width:820px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 2px}
p.note{color:#555;margin:2px 0 8px}p.empty{color:#8a5a00}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}
svg{display:block;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#333}
.grid{stroke:#e4e7ea}.axis{stroke:#888}.whisker{stroke:#555}.median{stroke:#111;stroke-width:2}.unit{fill:#555}
p.legend span{margin-right:14px;white-space:nowrap}p.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
footer{color:#777;font-size:12px;margin-top:32px}`;

function byKind<T>(r: FleetReport, pick: (kind: string) => T | null): Array<[string, T]> {
  return Object.keys(r.kinds).flatMap((k) => {
    const v = pick(k);
    return v === null ? [] : [[k, v] as [string, T]];
  });
}

function batteryPlot(r: FleetReport): Plot {
  const rows = byKind(r, (k) => {
    const days = r.perDevice.flatMap((d) => (d.kind === k && d.energy && Number.isFinite(d.energy.batteryLifeDays) ? [d.energy.batteryLifeDays] : []));
    return days.length > 0 ? days : null;
  });
  const years = rows.some(([, v]) => v.some((d) => d >= 365));
  const unit = years ? 'years' : 'days';
  return {
    title: 'Battery life per device kind',
    note: 'Estimated life of a full battery at each device\'s average current over the run; box: quartiles, line: median, whiskers: shortest and longest, dots: devices.',
    body: rows.length === 0 ? null : boxPlot(rows.map(([label, v]) => ({ label, values: years ? v.map((d) => d / 365) : v })), unit),
    empty: 'No battery-powered device in this run.',
  };
}

function radioPlot(r: FleetReport): Plot {
  const rows = byKind(r, (k) => r.kinds[k]?.energy?.radioOnMsPerWake ?? null);
  return {
    title: 'Radio-on time per wake',
    note: 'Start-up, listening window and air time of every frame each way, averaged over the wakes of the kind\'s battery devices.',
    body: rows.length === 0 ? null : barChart({ categories: rows.map(([k]) => k), series: [{ name: 'radio on', values: rows.map(([, v]) => v) }], unit: 'ms per wake' }),
    empty: 'No battery-powered device in this run.',
  };
}

function bytesPlot(r: FleetReport): Plot {
  const rows = byKind(r, (k) => {
    const kr = r.kinds[k]!;
    return kr.wakes > 0 && kr.traffic.bytesUp + kr.traffic.bytesDown > 0 ? [kr.traffic.bytesUp / kr.wakes, kr.traffic.bytesDown / kr.wakes] : null;
  });
  return {
    title: 'Bytes per wake',
    note: 'Payload bytes the devices sent (up) and received (down), per wake; link headers are not counted here.',
    body: rows.length === 0 ? null : barChart({ categories: rows.map(([k]) => k), series: [{ name: 'up', values: rows.map(([, v]) => v[0]!) }, { name: 'down', values: rows.map(([, v]) => v[1]!) }], unit: 'bytes per wake' }),
    empty: 'No device counted its bytes in this run.',
  };
}

function latencyPlot(r: FleetReport): Plot {
  const series = byKind(r, (k) => {
    const v = r.invocations.flatMap((i) => (i.kind === k && i.latencyS !== null ? [i.latencyS] : []));
    return v.length > 0 ? v : null;
  }).map(([name, values]) => ({ name, values }));
  const never = r.invocations.filter((i) => i.latencyS === null).length;
  const wall = r.measured.latencyWallMs;
  return {
    title: 'Latency from invocation to execution on the device',
    note: `Share of actions and writes the device had executed within x seconds of scenario time (a sleepy device at its next wake; at speed 1 the same as wall-clock time).${wall ? ` Wall clock: median ${fmt(wall.median)} ms, 95th percentile ${fmt(wall.p95)} ms.` : ''}${never > 0 ? ` ${never} never executed.` : ''}`,
    body: series.length === 0 ? null : cdfPlot(series, 's (scenario time)'),
    empty: 'No action or write reached a device in this run.',
  };
}

function readingsPlot(r: FleetReport): Plot {
  const kinds = Object.keys(r.kinds).filter((k) => r.kinds[k]!.readingsSent > 0);
  const stored = r.historyCheck !== undefined;
  const series = [
    { name: 'sent', values: kinds.map((k) => r.kinds[k]!.readingsSent) },
    { name: 'acknowledged', values: kinds.map((k) => r.kinds[k]!.readingsAcknowledged) },
    ...(stored ? [{ name: 'stored (found in history)', values: kinds.map((k) => r.kinds[k]!.readingsStored ?? 0) }] : []),
  ];
  const h = r.historyCheck;
  return {
    title: 'Readings sent, acknowledged and stored',
    note: h ? `Stored: acknowledged readings found in the gateway's history afterwards (${h.readingsChecked - h.readingsMissing} of ${h.readingsChecked} checked${h.ok ? '' : '; the check failed'}).` : 'This run was not checked against the gateway\'s history, so nothing is shown as stored.',
    body: kinds.length === 0 ? null : barChart({ categories: kinds, series, unit: 'readings' }),
    empty: 'No device sent a reading in this run.',
  };
}

function faultsPlot(r: FleetReport): Plot {
  const f = r.faults;
  const rows: Array<[string, number]> = [['datagrams lost', f.lost], ['duplicated', f.duplicated], ['reordered', f.reordered], ['reboots', f.reboots], ['batteries depleted', f.depleted]];
  return {
    title: 'Faults injected',
    note: 'What the fleet did to its own traffic and devices, drawn from the seed (docs/fleet.md, Faults).',
    body: barChart({ categories: rows.map(([k]) => k), series: [{ name: 'injected', values: rows.map(([, v]) => v) }], unit: 'count' }),
    empty: '',
  };
}

/** The page's plots in order, by their `data-plot` name. */
const PLOTS: Readonly<Record<string, (r: FleetReport) => Plot>> = {
  battery: batteryPlot,
  'radio-on': radioPlot,
  bytes: bytesPlot,
  latency: latencyPlot,
  readings: readingsPlot,
  faults: faultsPlot,
};

export const PLOT_IDS: readonly string[] = Object.keys(PLOTS);

function life(days: number | undefined): string {
  if (days === undefined) return 'mains';
  if (!Number.isFinite(days)) return 'unlimited';
  return days >= 365 ? `${(days / 365).toFixed(1)} years` : `${days.toFixed(1)} days`;
}

function kindTable(r: FleetReport): string {
  const head = '<tr><th>kind</th><th>devices</th><th>wakes</th><th>readings</th><th>acked</th><th>stored</th><th>errors</th><th>battery life</th></tr>';
  const rows = Object.entries(r.kinds).map(([k, v]) =>
    `<tr><td>${esc(k)}</td><td>${v.devices}</td><td>${v.wakes}</td><td>${v.readingsSent}</td><td>${v.readingsAcknowledged}</td><td>${v.readingsStored ?? '-'}</td><td>${v.errors}</td><td>${esc(life(v.energy?.batteryLifeDays))}</td></tr>`);
  return `<table>${head}${rows.join('')}</table>`;
}

function deliveries(r: FleetReport): string {
  const a = r.actions;
  const w = r.writes;
  const line = (what: string, d: { sent: number; deliveredOnce: number; deliveredTwiceOrMore: number; notDelivered: number; refused: number }, extra = ''): string =>
    `<li>${what}: ${d.sent} sent, ${d.deliveredOnce} delivered exactly once, ${d.deliveredTwiceOrMore} more than once, ${d.notDelivered} not delivered, ${d.refused} refused${extra}</li>`;
  return `<ul>${line('actions', a)}${w.sent > 0 ? line('property writes', w, `, ${w.superseded} superseded by a newer write`) : ''}</ul>`;
}

/** The whole page. */
export function reportHtml(r: FleetReport): string {
  const title = `Fleet '${r.scenario}' (seed ${r.seed})`;
  const plots = Object.entries(PLOTS).map(([id, make]) => [id, make(r)] as const).map(([id, p]) =>
    `<section class="plot" data-plot="${id}"><h2>${esc(p.title)}</h2><p class="note">${esc(p.note)}</p>${p.body ?? `<p class="empty">${esc(p.empty)}</p>`}</section>`);
  const m = r.measured;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="note">${r.devices} devices, ${fmt(r.simulatedS)} s simulated in ${fmt(m.wallS)} s of wall-clock time${r.completed ? '' : ' (stopped early)'}; ${fmt(m.wakesPerS)} wakes/s, RSS ${fmt(m.rssMiB)} MiB.</p>
${kindTable(r)}
${deliveries(r)}
${plots.join('\n')}
<footer>Written by the Roost fleet (docs/fleet.md). One file: no script, nothing loaded from the network.</footer>
</body></html>
`;
}
