// The directory: every thing (all pages of /things), with a filter on title, id and binding.
// Per-thing online state is not in the TDs the API serves; /metrics gives the count.
import { call, listThings } from './api.js';
import { h, fill } from './dom.js';
import { bindingOf, parseMetrics } from './format.js';

const count = (m) => (m && typeof m === 'object' ? Object.keys(m).length : 0);

export function mountThings(main, _ctx) {
  const abort = new AbortController();
  const filter = h('input', { id: 'things-filter', type: 'search', placeholder: 'Filter by title, id or binding', 'aria-label': 'Filter things' });
  const summary = h('p', { class: 'muted', id: 'things-summary' }, 'Loading…');
  const body = h('tbody', { id: 'things-body' });
  const table = h('table', { class: 'list' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Title'), h('th', {}, 'Binding'), h('th', {}, 'Id'), h('th', { class: 'num' }, 'Properties'), h('th', { class: 'num' }, 'Actions'), h('th', { class: 'num' }, 'Events'))),
    body);
  fill(main, h('section', { class: 'card' }, h('div', { class: 'row' }, h('h1', {}, 'Things'), filter), summary, table));
  let things = [];
  let online = '';

  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = things.filter((t) => !q || `${t.title ?? ''} ${t.id} ${bindingOf(t.id)}`.toLowerCase().includes(q));
    fill(body, shown.map((t) => h('tr', { 'data-id': t.id },
      h('td', {}, h('a', { href: `#/thing/${encodeURIComponent(t.id)}` }, t.title ?? t.id)),
      h('td', {}, h('span', { class: 'tag' }, bindingOf(t.id))),
      h('td', { class: 'mono' }, t.id),
      h('td', { class: 'num' }, count(t.properties)),
      h('td', { class: 'num' }, count(t.actions)),
      h('td', { class: 'num' }, count(t.events)))));
    summary.textContent = `${shown.length} of ${things.length} things${online}`;
  };
  filter.addEventListener('input', render);

  listThings({ signal: abort.signal }).then((list) => {
    things = list.sort((a, b) => String(a.title ?? a.id).localeCompare(String(b.title ?? b.id)));
    render();
  }, (err) => {
    if (!abort.signal.aborted) summary.textContent = err.text ?? err.message;
  });
  call('GET', '/metrics', { signal: abort.signal }).then((r) => r.text()).then((text) => {
    const m = parseMetrics(text);
    if (m.roost_things !== undefined) online = `; ${m.roost_things_online} of ${m.roost_things} online`;
    if (things.length) render();
  }, () => {});
  filter.focus();
  return () => abort.abort();
}
