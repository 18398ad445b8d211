// History of one property (GET .../properties/{name}/history): a line chart for numbers and a
// table of the latest values; live values of the chosen property are appended as they come.
import { getJson } from './api.js';
import { h, fill, svg } from './dom.js';
import { formatTime, formatValue } from './format.js';

export const HISTORY_ROWS = 200;
const TABLE_ROWS = 12;
const W = 640;
const H = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 26 };

function chart(points) {
  const nums = points.filter((p) => typeof p.value === 'number');
  if (nums.length < 2) return h('p', { class: 'muted small' }, nums.length ? 'One value so far.' : 'No numeric values to chart.');
  const t0 = nums[0].ts;
  const t1 = nums[nums.length - 1].ts;
  let lo = Math.min(...nums.map((p) => p.value));
  let hi = Math.max(...nums.map((p) => p.value));
  if (lo === hi) { lo -= 1; hi += 1; }
  const x = (t) => PAD.left + ((t - t0) / Math.max(1, t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - ((v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const line = nums.map((p) => `${x(p.ts).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const label = (tx, ty, text, anchor) => svg('text', { x: tx, y: ty, 'text-anchor': anchor, class: 'axis' }, text);
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': 'history chart' },
    svg('line', { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom, class: 'grid' }),
    svg('line', { x1: PAD.left, y1: PAD.top, x2: W - PAD.right, y2: PAD.top, class: 'grid' }),
    svg('polyline', { points: line, class: 'series' }),
    label(PAD.left - 6, PAD.top + 4, String(+hi.toPrecision(6)), 'end'),
    label(PAD.left - 6, H - PAD.bottom + 4, String(+lo.toPrecision(6)), 'end'),
    label(PAD.left, H - 6, formatTime(t0), 'start'),
    label(W - PAD.right, H - 6, formatTime(t1), 'end'));
}

export function createHistoryPanel({ thingId, td }) {
  const props = Object.entries(td.properties ?? {});
  const pick = h('select', { id: 'history-property', 'aria-label': 'property' }, props.map(([n, p]) => h('option', { value: n }, p.title ?? n)));
  const numeric = props.find(([, p]) => p.type === 'number' || p.type === 'integer');
  if (numeric) pick.value = numeric[0];
  const refresh = h('button', { type: 'button', class: 'small' }, 'Refresh');
  const view = h('div', { id: 'history-view' });
  const el = h('section', { class: 'card', id: 'history' }, h('div', { class: 'row' }, h('h2', {}, 'History'), pick, refresh), view);
  if (props.length === 0) {
    fill(el, h('h2', {}, 'History'), h('p', { class: 'muted' }, 'No properties.'));
    return { el, live() {} };
  }
  let points = [];
  let truncated = false;
  const render = () => {
    const latest = points.slice(-TABLE_ROWS).reverse();
    fill(view, chart(points),
      h('p', { class: 'muted small' }, `${points.length} value${points.length === 1 ? '' : 's'}${truncated ? ` (the latest ${HISTORY_ROWS})` : ''}`),
      h('table', { class: 'list compact' }, h('tbody', {}, latest.map((p) => h('tr', {}, h('td', { class: 'muted' }, formatTime(p.ts)), h('td', { class: 'mono' }, formatValue(p.value)))))));
  };
  const load = async () => {
    fill(view, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const r = await getJson(`/things/${encodeURIComponent(thingId)}/properties/${encodeURIComponent(pick.value)}/history?order=desc&limit=${HISTORY_ROWS}`);
      points = r.items.map((i) => ({ ts: i.ts, value: i.value })).reverse();
      truncated = r.truncated;
      render();
    } catch (err) {
      fill(view, h('p', { class: 'error' }, err.text ?? err.message));
    }
  };
  pick.addEventListener('change', load);
  refresh.addEventListener('click', load);
  void load();
  return {
    el,
    /** A live value: appended when it is the chosen property. */
    live(name, value, ts) {
      if (name !== pick.value || ts === undefined) return;
      points.push({ ts, value });
      if (points.length > HISTORY_ROWS) points.shift();
      render();
    },
  };
}
