// A thing's properties: live values (set by thing-view from SSE or polling) and, for writable
// ones, an input typed from the data schema; a refused write shows its typed error.
import { call } from './api.js';
import { trackAction } from './action-status.js';
import { h, fill } from './dom.js';
import { formatTime, formatValue } from './format.js';
import { describeSchema, inputKind, parseInput } from './schema.js';

function editor(kind, schema) {
  if (kind === 'boolean') return h('input', { type: 'checkbox', 'aria-label': 'new value' });
  if (kind === 'enum') return h('select', { 'aria-label': 'new value' }, schema.enum.map((v) => h('option', { value: v }, v)));
  if (kind === 'integer' || kind === 'number') {
    return h('input', { type: 'number', step: kind === 'integer' ? '1' : 'any', min: schema.minimum, max: schema.maximum, 'aria-label': 'new value' });
  }
  return h('input', { type: 'text', placeholder: kind === 'json' ? 'JSON' : '', 'aria-label': 'new value' });
}

function setEditor(input, kind, value) {
  if (value === undefined || input === document.activeElement) return;
  if (kind === 'boolean') input.checked = value === true;
  else input.value = kind === 'json' ? JSON.stringify(value) : String(value ?? '');
}

/** Answers { el, update(name, value, ts), mode(name, how), stop() }. */
export function createPropertiesPanel({ thingId, td, ctx, controls, stops }) {
  const rows = new Map();
  const body = h('tbody');
  for (const [name, p] of Object.entries(td.properties ?? {})) {
    const value = h('td', { class: 'value mono', 'data-value': '' }, '–');
    const time = h('td', { class: 'muted time' });
    const how = h('span', { class: 'tag how' }, p.observable ? 'live' : 'polled');
    const kind = inputKind(p);
    const cells = [h('td', {}, h('strong', {}, p.title ?? name), ' ', how, h('div', { class: 'muted small' }, name, ' · ', describeSchema(p)))];
    const row = { value, time, how, kind, input: null };
    if (p.readOnly === true) {
      cells.push(value, time, h('td', { class: 'muted' }, 'read-only'));
    } else {
      const input = editor(kind, p);
      const set = h('button', { type: 'submit', class: 'small', disabled: !ctx.canChange }, 'Set');
      const result = h('div', { class: 'result small' });
      input.disabled = !ctx.canChange;
      controls.push(input, set);
      // novalidate: the gateway checks the schema and its typed error is what the operator sees.
      const form = h('form', { class: 'write', novalidate: true }, input, set, result);
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        let v;
        try {
          v = parseInput(kind, kind === 'boolean' ? input.checked : input.value);
        } catch (err) {
          fill(result, h('span', { class: 'error' }, err.message));
          return;
        }
        set.disabled = true;
        fill(result, 'writing…');
        try {
          const res = await call('PUT', `/things/${encodeURIComponent(thingId)}/properties/${encodeURIComponent(name)}`, { body: v });
          if (res.status === 202) stops.push(trackAction(result, await res.json(), { canChange: ctx.canChange, controls }));
          else fill(result, h('span', { class: 'ok' }, 'written'));
        } catch (err) {
          fill(result, h('span', { class: 'error', 'data-code': err.code }, err.text ?? err.message));
          if (err.status === 403) ctx.forbidden?.();
        } finally {
          set.disabled = !ctx.canChange;
        }
      });
      row.input = input;
      cells.push(value, time, h('td', {}, form));
    }
    rows.set(name, row);
    body.append(h('tr', { 'data-property': name }, cells));
  }
  const el = h('section', { class: 'card', id: 'properties' }, h('h2', {}, 'Properties'),
    rows.size ? h('table', { class: 'list props' }, h('thead', {}, h('tr', {}, h('th', {}, 'Property'), h('th', {}, 'Value'), h('th', {}, 'Measured'), h('th', {}, 'Change'))), body)
      : h('p', { class: 'muted' }, 'No properties.'));
  return {
    el,
    names: [...rows.keys()],
    /** A new value; `ts` (epoch ms) when the stream gives the measurement time. */
    update(name, v, ts) {
      const r = rows.get(name);
      if (!r) return;
      r.value.textContent = formatValue(v);
      r.value.title = JSON.stringify(v) ?? '';
      r.value.classList.remove('flash');
      void r.value.offsetWidth; // restarts the highlight animation
      r.value.classList.add('flash');
      if (ts !== undefined) r.time.textContent = formatTime(ts);
      if (r.input) setEditor(r.input, r.kind, v);
    },
    mode(name, how) {
      const r = rows.get(name);
      if (r) r.how.textContent = how;
    },
  };
}
