// Settings (admins): every section of the gateway's configuration but the bindings (their own
// page) as a form generated from the config schema (GET /config/schema). Save sends what changed
// as a merge patch (PATCH /config); the page says what took effect now and what waits for a
// restart (the Roost-Restart-Required header of GET /config lists what is waiting already).
import { call, getJson } from './api.js';
import { saveHandler } from './config-save.js';
import { h, fill } from './dom.js';
import { schemaForm } from './schema-form.js';

/** Sections not edited here: the bindings have their page, the data dir is fixed while running. */
const ELSEWHERE = new Set(['bindings', 'dataDir']);

const restartText = (paths) => (paths.length ? `Saved, waiting for a restart: ${paths.join(', ')}.` : '');

export function mountSettings(main, ctx) {
  if (ctx.role !== 'admin') {
    fill(main, h('section', { class: 'card' }, h('h1', {}, 'Settings'), h('p', { class: 'muted', id: 'settings-note' }, `Role ${ctx.role} does not change settings: admins do.`)));
    return () => {};
  }
  const note = h('p', { class: 'muted', id: 'settings-note', role: 'status' }, 'Loading…');
  const restart = h('p', { class: 'note', id: 'restart-note' });
  const cards = h('div', { id: 'settings-cards' });
  fill(main, h('div', {}, h('section', { class: 'card' }, h('h1', {}, 'Settings'), note, restart), cards));
  const waiting = new Set();
  const showWaiting = (paths) => {
    for (const p of paths) waiting.add(p);
    restart.textContent = restartText([...waiting]);
  };

  const card = (name, schema, value) => {
    const form = schemaForm(schema, value);
    const result = h('p', { class: 'result', 'data-role': 'result', role: 'status' });
    const save = h('button', { type: 'submit', 'data-role': 'save' }, 'Save');
    const onsubmit = saveHandler({
      saved: value, result, button: save,
      edited: () => form.read(),
      wrap: (patch) => ({ [name]: patch }),
      onSaved: (r) => {
        form.clearSecrets();
        showWaiting(r.restartRequired);
        return r.config[name];
      },
    });
    return h('section', { class: 'card', 'data-section': name },
      h('h2', {}, name), schema.description ? h('p', { class: 'muted small' }, schema.description) : null,
      h('form', { class: 'settings-form', novalidate: true, onsubmit }, form.el, h('div', { class: 'row' }, save), result));
  };

  let stopped = false;
  (async () => {
    try {
      const [schemas, res] = await Promise.all([getJson('/config/schema'), call('GET', '/config')]);
      const config = await res.json();
      if (stopped) return;
      showWaiting((res.headers.get('roost-restart-required') ?? '').split(',').map((s) => s.trim()).filter(Boolean));
      const sections = Object.entries(schemas.config.properties).filter(([name, s]) => !ELSEWHERE.has(name) && s.type === 'object' && s.properties);
      fill(cards, sections.map(([name, s]) => card(name, s, config[name])));
      note.textContent = 'Saving a section applies what can change while running (log level, discovery); the rest waits for a restart.';
    } catch (err) {
      note.className = 'error';
      note.textContent = err.text ?? err.message;
    }
  })();
  return () => {
    stopped = true;
  };
}
