// The directory: every thing (all pages of /things), with a filter on title, id and binding.
// Online state, sleepiness and queued items come from /status/things (the TDs do not say).
import { listStatuses, listThings } from './api.js';
import { h, fill } from './dom.js';
import { bindingOf } from './format.js';

const count = (m) => (m && typeof m === 'object' ? Object.keys(m).length : 0);

export function mountThings(main, _ctx) {
  const abort = new AbortController();
  const filter = h('input', { id: 'things-filter', type: 'search', placeholder: 'Filter by title, id or binding', 'aria-label': 'Filter things' });
  const summary = h('p', { class: 'muted', id: 'things-summary' }, 'Loading…');
  const body = h('tbody', { id: 'things-body' });
  const table = h('table', { class: 'list' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Title'), h('th', {}, 'State'), h('th', {}, 'Binding'), h('th', {}, 'Id'), h('th', { class: 'num' }, 'Properties'), h('th', { class: 'num' }, 'Actions'), h('th', { class: 'num' }, 'Events'))),
    body);
  fill(main, h('section', { class: 'card' }, h('div', { class: 'row' }, h('h1', {}, 'Things'), filter), summary, table));
  let things = [];
  let statuses = new Map();

  const stateCell = (id) => {
    const s = statuses.get(id);
    if (!s) return h('td', { class: 'muted' }, '…');
    const label = s.online ? 'online' : 'offline';
    const waiting = s.actions.queued + s.actions.sent;
    return h('td', { 'data-state': s.online ? 'online' : 'offline' },
      h('span', { class: s.online ? 'ok' : 'bad' }, s.online ? '●' : '○'), ` ${label}`,
      s.sleepy ? h('span', { class: 'tag' }, 'sleepy') : '',
      waiting ? h('span', { class: 'tag', title: 'items waiting in the action queue' }, `${waiting} queued`) : '');
  };

  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = things.filter((t) => !q || `${t.title ?? ''} ${t.id} ${bindingOf(t.id)}`.toLowerCase().includes(q));
    fill(body, shown.map((t) => h('tr', { 'data-id': t.id },
      h('td', {}, h('a', { href: `#/thing/${encodeURIComponent(t.id)}` }, t.title ?? t.id)),
      stateCell(t.id),
      h('td', {}, h('span', { class: 'tag' }, bindingOf(t.id))),
      h('td', { class: 'mono' }, t.id),
      h('td', { class: 'num' }, count(t.properties)),
      h('td', { class: 'num' }, count(t.actions)),
      h('td', { class: 'num' }, count(t.events)))));
    const online = statuses.size ? `; ${[...statuses.values()].filter((st) => st.online).length} online` : '';
    summary.textContent = `${shown.length} of ${things.length} things${online}`;
  };
  filter.addEventListener('input', render);

  listThings({ signal: abort.signal }).then((list) => {
    things = list.sort((a, b) => String(a.title ?? a.id).localeCompare(String(b.title ?? b.id)));
    render();
  }, (err) => {
    if (!abort.signal.aborted) summary.textContent = err.text ?? err.message;
  });
  listStatuses({ signal: abort.signal }).then((map) => {
    statuses = map;
    if (things.length) render();
  }, () => {});
  filter.focus();
  return () => abort.abort();
}
