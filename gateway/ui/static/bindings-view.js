// Bindings (admins): each binding's state from /healthz, the adapters hardware detection found,
// and its options as a form generated from the binding's JSON Schema (GET /config/schema). Save
// sends what changed as a merge patch (PATCH /config) and says what was applied now and what
// waits for a restart. States are read again every REFRESH_MS; forms are left as typed.
import { getJson } from './api.js';
import { patchText, saveHandler } from './config-save.js';
import { h, fill } from './dom.js';
import { schemaForm } from './schema-form.js';
import { mountPermitJoin } from './permit-join.js';

export const REFRESH_MS = 5000;

/** Controls a binding's card gets beyond its form, by binding name. */
const EXTRAS = { zigbee: mountPermitJoin };

const adapterText = (a) => [a.product ?? a.kind, a.vendorId && `${a.vendorId}:${a.productId}`, a.id].filter(Boolean).join(' – ');

function adapterList(adapters) {
  if (adapters.length === 0) return null;
  return h('ul', { class: 'adapters' }, adapters.map((a) =>
    h('li', { 'data-adapter': a.id, 'data-decision': a.decision }, h('span', { class: 'tag' }, a.decision), ' ', adapterText(a), h('div', { class: 'muted small' }, a.reason))));
}

/** What PATCH /config answered, with the binding's state after it. */
function resultText(r, name) {
  const s = r.bindings?.[name];
  return [patchText(r), s && `${name} is ${s.state}${s.detail ? ` (${s.detail})` : ''}.`].filter(Boolean).join(' ');
}

export function mountBindings(main, ctx) {
  if (ctx.role !== 'admin') {
    fill(main, h('section', { class: 'card' }, h('h1', {}, 'Bindings'), h('p', { class: 'muted', id: 'bindings-note' }, `Role ${ctx.role} does not configure bindings: admins do.`)));
    return () => {};
  }
  const note = h('p', { class: 'muted', id: 'bindings-note', role: 'status' }, 'Loading…');
  const detected = h('div', { id: 'detected' });
  const cards = h('div', { id: 'binding-cards' });
  fill(main, h('div', {}, h('section', { class: 'card' }, h('h1', {}, 'Bindings'), note, detected), cards));

  const states = new Map();
  const cleanups = [];
  let timer;
  let stopped = false;

  const showState = (name, status) => {
    const el = states.get(name);
    if (el) fill(el, h('span', { class: `state state-${status.state}`, 'data-state': status.state }, status.state), status.detail ? ` ${status.detail}` : '');
  };

  /** Each card's state from /healthz; a binding /healthz does not name is off. */
  const showStates = (health) => {
    for (const name of states.keys()) showState(name, { state: health.bindings[name] ?? 'off' });
  };

  const card = (name, schema, config, report) => {
    const section = config.bindings?.[name];
    const state = h('span', { class: 'binding-state' });
    states.set(name, state);
    const el = h('section', { class: 'card', 'data-binding': name });
    const mine = report.adapters.filter((a) => a.binding === name);
    const managed = report.managed?.[name] ? h('p', { class: 'muted small' }, 'Started by hardware detection with ', h('code', {}, JSON.stringify(report.managed[name])), '; saving here puts it in the configuration.') : null;
    if (!schema) {
      fill(el, h('div', { class: 'row' }, h('h2', {}, name), state), h('p', { class: 'muted small' }, 'Configured at start only (config file).'));
      return el;
    }
    const enabled = h('input', { type: 'checkbox', name: 'enabled', 'data-role': 'enabled' });
    enabled.checked = section ? section.enabled !== false : false;
    const { enabled: _on, ...before } = section ?? {};
    const form = schemaForm(schema, before, { skip: ['enabled'] });
    const result = h('p', { class: 'result', 'data-role': 'result', role: 'status' });
    const save = h('button', { type: 'submit', 'data-role': 'save' }, 'Save');
    const onsubmit = saveHandler({
      saved: section, result, button: save,
      edited: () => ({ ...form.read(), enabled: enabled.checked }),
      wrap: (patch) => ({ bindings: { [name]: patch } }),
      describe: (r) => resultText(r, name),
      onSaved: (r) => {
        if (r.bindings?.[name]) showState(name, r.bindings[name]);
        form.clearSecrets();
        return r.config.bindings?.[name];
      },
    });
    const extra = EXTRAS[name]?.(ctx);
    if (extra) cleanups.push(extra.stop);
    fill(el,
      h('div', { class: 'row' }, h('h2', {}, name), state),
      adapterList(mine), managed, extra?.el,
      h('form', { class: 'binding-form', 'data-binding': name, novalidate: true, onsubmit },
        h('label', { class: 'field check' }, enabled, 'enabled'),
        h('details', { open: !section?.enabled }, h('summary', {}, 'Options'), form.el),
        h('div', { class: 'row' }, save), result));
    return el;
  };

  const refreshStates = async () => {
    try {
      const health = await getJson('/healthz');
      showStates(health);
      note.className = 'muted';
      note.textContent = `Read ${new Date().toLocaleTimeString(undefined, { hour12: false })}`;
    } catch (err) {
      note.className = 'error';
      note.textContent = err.text ?? err.message;
    }
    if (!stopped) timer = setTimeout(refreshStates, REFRESH_MS);
  };

  const load = async () => {
    try {
      const [schemas, config, health, report] = await Promise.all([getJson('/config/schema'), getJson('/config'), getJson('/healthz'), getJson('/gateway/adapters')]);
      if (stopped) return;
      const names = [...new Set([...Object.keys(health.bindings), ...Object.keys(schemas.bindings)])].sort();
      const unassigned = report.adapters.filter((a) => !a.binding || !names.includes(a.binding));
      fill(detected, report.enabled === false
        ? h('p', { class: 'muted small' }, 'Hardware detection is off (detect.enabled).')
        : [h('h2', {}, 'Adapters not used by a binding'), adapterList(unassigned) ?? h('p', { class: 'muted small' }, 'None.')]);
      fill(cards, names.map((n) => card(n, schemas.bindings[n], config, report)));
      showStates(health);
      void refreshStates();
    } catch (err) {
      note.className = 'error';
      note.textContent = err.text ?? err.message;
    }
  };
  void load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const stop of cleanups) stop();
  };
}
