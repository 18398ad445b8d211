// The gateway itself: binding states from /healthz and a few /metrics figures, read again
// every REFRESH_MS while the view is open.
import { call, getJson } from './api.js';
import { h, fill } from './dom.js';
import { formatBytes, parseMetrics } from './format.js';

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

export function mountGateway(main, _ctx) {
  const bindings = h('tbody', { id: 'bindings' });
  const figures = h('tbody', { id: 'figures' });
  const status = h('p', { class: 'muted' }, 'Loading…');
  fill(main, h('div', { class: 'grid' },
    h('section', { class: 'card' }, h('h1', {}, 'Bindings'), status, h('table', { class: 'list' }, bindings)),
    h('section', { class: 'card' }, h('h1', {}, 'Figures'), h('table', { class: 'list' }, figures))));
  let timer;
  let stopped = false;
  const refresh = async () => {
    try {
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
