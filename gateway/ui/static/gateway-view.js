// The gateway itself: version, uptime, disk, memory and update state (/gateway/info), the TLS
// and device-key fingerprints (/gateway/identity), binding states from /healthz and a few
// /metrics figures, read again every REFRESH_MS while the view is open.
import { call, getJson } from './api.js';
import { h, fill } from './dom.js';
import { formatBytes, formatDuration, parseMetrics } from './format.js';
import { tlsInstallForm } from './tls-install.js';

export const REFRESH_MS = 5000;

/** [label, metric sample, format] shown from /metrics (docs/api.md, Health and metrics). */
const FIGURES = [
  ['Things', 'roost_things'],
  ['Things online', 'roost_things_online'],
  ['Events in', 'roost_events_in_total'],
  ['Property updates in', 'roost_property_updates_in_total'],
  ['Actions queued', 'roost_actions_queued_total'],
  ['Actions delivered', 'roost_actions_delivered_total'],
  ['Actions completed', 'roost_actions_completed_total'],
  ['Actions failed', 'roost_actions_failed_total'],
  ['Actions active now', 'roost_actions_active'],
  ['Open SSE streams', 'roost_http_event_streams{kind="sse"}'],
  ['MQTT clients', 'roost_mqtt_clients_connected'],
  ['Memory (RSS)', 'roost_process_resident_memory_bytes', formatBytes],
];

const disk = (d) => (d ? `${formatBytes(d.freeBytes)} free of ${formatBytes(d.totalBytes)}` : 'unknown');
const updateText = (u) => (u ? [u.state, u.release && `release ${u.release}`, u.error?.message].filter(Boolean).join(', ') : 'not available');

/** [key, label, text from (info, identity)] of the About table (docs/api.md, Gateway). */
const ABOUT = [
  ['version', 'Version', (i) => i.version ?? 'unknown'],
  ['uptime', 'Uptime', (i) => formatDuration(i.uptimeS)],
  ['disk', 'Data disk', (i) => disk(i.disk)],
  ['memory', 'Memory', (i) => `${formatBytes(i.memory?.rssBytes)} resident, ${formatBytes(i.memory?.heapUsedBytes)} heap`],
  ['tls', 'TLS certificate SHA-256', (i, id) => id?.tls?.sha256 ?? i.tlsSha256 ?? 'TLS off'],
  ['tls-valid', 'TLS certificate valid to', (_i, id) => id?.tls?.validTo ?? '–'],
  ['ed25519', 'Device key SHA-256', (_i, id) => id?.ed25519?.sha256 ?? 'none'],
  ['update', 'Update', (i) => updateText(i.update)],
];

export function mountGateway(main, ctx) {
  const about = h('tbody', { id: 'about' });
  const tlsBox = h('div', { id: 'tls-box' });
  const bindings = h('tbody', { id: 'bindings' });
  const figures = h('tbody', { id: 'figures' });
  const status = h('p', { class: 'muted' }, 'Loading…');
  fill(main, h('div', { class: 'grid' },
    h('div', {},
      h('section', { class: 'card' }, h('h1', {}, 'Gateway'), h('table', { class: 'list' }, about), tlsBox),
      h('section', { class: 'card' }, h('h1', {}, 'Bindings'), status, h('table', { class: 'list' }, bindings))),
    h('section', { class: 'card' }, h('h1', {}, 'Figures'), h('table', { class: 'list' }, figures))));
  let timer;
  let stopped = false;
  let identity;
  const showAbout = async () => {
    if (!identity) {
      identity = await getJson('/gateway/identity');
      // Admins install their own certificate where TLS is on.
      if (ctx.role === 'admin' && identity.tls && !tlsBox.hasChildNodes()) fill(tlsBox, tlsInstallForm(() => { identity = undefined; void showAbout(); }));
    }
    const info = await getJson('/gateway/info');
    fill(about, ABOUT.map(([key, label, text]) =>
      h('tr', { 'data-item': key }, h('td', {}, label), h('td', { class: key.startsWith('tls') || key === 'ed25519' ? 'mono' : '' }, text(info, identity)))));
  };
  const refresh = async () => {
    try {
      await showAbout();
      const health = await getJson('/healthz');
      status.textContent = `Status ${health.status}, read ${new Date().toLocaleTimeString(undefined, { hour12: false })}`;
      fill(bindings, Object.entries(health.bindings).map(([name, state]) =>
        h('tr', { 'data-binding': name }, h('td', {}, name), h('td', {}, h('span', { class: `state state-${state}` }, state)))));
      const m = parseMetrics(await (await call('GET', '/metrics')).text());
      fill(figures, FIGURES.filter(([, key]) => key in m).map(([label, key, fmt]) =>
        h('tr', {}, h('td', {}, label), h('td', { class: 'num mono' }, fmt ? fmt(m[key]) : String(m[key])))));
    } catch (err) {
      status.textContent = err.text ?? err.message;
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  };
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
