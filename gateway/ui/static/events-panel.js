// A thing's recent events: the last ones from history, then live from the all-events SSE
// stream, resumed right after the newest history row so none is shown twice or missed.
import { getJson } from './api.js';
import { h, fill } from './dom.js';
import { cursorAfter, cursorTime, formatTime, formatValue } from './format.js';
import { openStream } from './sse.js';

export const EVENTS_SHOWN = 50;

export function createEventsPanel({ thingId, td, stops }) {
  const names = Object.keys(td.events ?? {});
  const list = h('ol', { class: 'events', id: 'events-list' });
  const state = h('span', { class: 'tag' }, 'connecting');
  const el = h('section', { class: 'card', id: 'events' }, h('div', { class: 'row' }, h('h2', {}, 'Recent events'), state), list);
  if (names.length === 0) {
    fill(el, h('h2', {}, 'Recent events'), h('p', { class: 'muted' }, 'This thing has no events.'));
    return { el, streams: 0 };
  }
  const add = (name, data, ts, live) => {
    list.prepend(h('li', { class: live ? 'new' : '' }, h('span', { class: 'time muted' }, formatTime(ts)), ' ', h('strong', {}, name), ' ', h('code', {}, formatValue(data))));
    while (list.children.length > EVENTS_SHOWN) list.lastElementChild.remove();
  };
  const base = `/things/${encodeURIComponent(thingId)}`;
  let closed = false;
  let stream;
  stops.push(() => {
    closed = true;
    stream?.close();
  });
  getJson(`${base}/history?kind=event&order=desc&limit=${EVENTS_SHOWN}`).catch(() => ({ items: [] })).then((h0) => {
    if (closed) return;
    const rows = h0.items ?? [];
    for (const r of [...rows].reverse()) add(r.name, r.value, r.ts, false);
    stream = openStream(`${base}/events`, {
      lastEventId: cursorAfter(rows) ?? '',
      // An availability message repeats the position (and so the time) of the event before it:
      // shown at the time it arrived (the stream tells it on every resume, docs/api.md "SSE").
      onMessage: (m) => add(m.event, JSON.parse(m.data), m.event === 'availability' ? Date.now() : cursorTime(m.id), true),
      onState: (s, err) => { state.textContent = err ? `${s}: ${err.text ?? err.message}` : s === 'open' ? 'live' : s; },
    });
  });
  return { el, streams: 1 };
}
