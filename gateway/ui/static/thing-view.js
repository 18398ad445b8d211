// One thing: its properties (read all, then live), actions, recent events and history. A page
// keeps at most MAX_STREAMS SSE streams open, because a browser allows only six HTTP/1.1
// connections per host: the events stream first, then observable properties; the rest are
// read again every POLL_MS.
import { getJson, thingPath } from './api.js';
import { createActionsPanel } from './actions-panel.js';
import { h, fill } from './dom.js';
import { createEventsPanel } from './events-panel.js';
import { bindingOf, cursorTime } from './format.js';
import { createHistoryPanel } from './history-panel.js';
import { createPropertiesPanel } from './properties-panel.js';
import { openStream } from './sse.js';

export const MAX_STREAMS = 4;
export const POLL_MS = 5000;
/** History rows read to find when the current values were measured. */
const HISTORY_PEEK_ROWS = 100;

export function mountThing(main, ctx, thingId) {
  const stops = [];
  const controls = [];
  let stopped = false;
  const roleNote = h('p', { class: 'note', id: 'role-note', hidden: ctx.canChange }, `Your role (${ctx.role}) may read and subscribe only: writing and invoking are disabled.`);
  const page = { ...ctx };
  page.forbidden = () => {
    page.canChange = false;
    roleNote.hidden = false;
    for (const c of controls) c.disabled = true;
  };
  fill(main, h('p', { class: 'muted' }, 'Loading…'));

  getJson(thingPath(thingId)).then((td) => {
    if (stopped) return;
    const props = createPropertiesPanel({ thingId, td, ctx: page, controls, stops });
    const actions = createActionsPanel({ thingId, td, ctx: page, controls, stops });
    const events = createEventsPanel({ thingId, td, stops });
    const history = createHistoryPanel({ thingId, td });
    // Online, sleepy and queued items (GET /things/{id}/status), re-read with the polled properties.
    const state = h('span', { id: 'thing-state', class: 'muted' }, '');
    const showState = () => getJson(`${thingPath(thingId)}/status`).then((s) => {
      const waiting = s.actions.queued + s.actions.sent;
      state.className = s.online ? 'ok' : 'bad';
      state.dataset.state = s.online ? 'online' : 'offline';
      state.textContent = `${s.online ? '● online' : '○ offline'}${s.sleepy ? ' · sleepy' : ''}${waiting ? ` · ${waiting} queued` : ''}`;
    }, () => {});
    void showState();
    const stateTimer = setInterval(showState, POLL_MS);
    stops.push(() => clearInterval(stateTimer));
    fill(main,
      h('p', {}, h('a', { href: '#/things' }, '← Things')),
      h('section', { class: 'card head' },
        h('h1', { id: 'thing-title' }, td.title ?? thingId),
        h('p', {}, h('span', { class: 'tag' }, bindingOf(thingId)), ' ', h('span', { class: 'mono' }, thingId), ' ', state),
        td.description ? h('p', { class: 'muted' }, td.description) : null,
        roleNote),
      h('div', { class: 'grid' }, h('div', {}, props.el, actions), h('div', {}, events.el, history.el)));
    const base = thingPath(thingId);
    const live = new Set();
    const update = (name, value, ts) => {
      live.add(name);
      props.update(name, value, ts);
      history.live(name, value, ts);
    };
    let budget = MAX_STREAMS - events.streams;
    const polled = [];
    for (const [name, p] of Object.entries(td.properties ?? {})) {
      if (p.observable !== true || budget <= 0) {
        polled.push(name);
        props.mode(name, 'polled');
        continue;
      }
      budget--;
      const s = openStream(`${base}/properties/${encodeURIComponent(name)}/observe`, {
        onMessage: (m) => update(name, JSON.parse(m.data), cursorTime(m.id)),
        onState: (st) => props.mode(name, st === 'open' ? 'live' : st),
      });
      stops.push(() => s.close());
    }
    // Read all once, then again for the properties no stream covers. The measurement time of a
    // value is that of its newest history row, when that row holds the same value.
    let timer;
    const readAll = async (names) => {
      try {
        const [values, recent] = await Promise.all([
          getJson(`${base}/properties`),
          getJson(`${base}/history?kind=property&order=desc&limit=${HISTORY_PEEK_ROWS}`).catch(() => ({ items: [] })),
        ]);
        const newest = new Map();
        for (const r of recent.items) if (!newest.has(r.name)) newest.set(r.name, r);
        for (const n of names) {
          // A value a stream brought meanwhile is newer than this read.
          if (!(n in values) || live.has(n)) continue;
          const row = newest.get(n);
          props.update(n, values[n], row && JSON.stringify(row.value) === JSON.stringify(values[n]) ? row.ts : undefined);
        }
      } catch { /* shown by the next successful read; a 401 brings the login back */ }
      if (!stopped && polled.length) timer = setTimeout(() => readAll(polled), POLL_MS);
    };
    void readAll(props.names);
    stops.push(() => clearTimeout(timer));
  }, (err) => {
    if (!stopped) fill(main, h('p', {}, h('a', { href: '#/things' }, '← Things')), h('p', { class: 'error' }, err.text ?? err.message));
  });

  return () => {
    stopped = true;
    for (const s of stops) s();
  };
}
