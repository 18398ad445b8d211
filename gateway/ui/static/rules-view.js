// Rules (docs/rules.md): the list with each rule's trigger, actions, when it last fired and why,
// and its last error; a form to create or edit one (the trigger field by field, conditions and
// actions as JSON); enable, disable, delete with a second click. Admins and operators only; the
// list is read again every REFRESH_MS while the view is open.
import { call, getJson } from './api.js';
import { h, fill } from './dom.js';

export const REFRESH_MS = 3000;
export const CONFIRM_MS = 5000;
const MANAGERS = new Set(['admin', 'operator']);

/** Form fields per trigger type: [key, input kind, label]. `direction` and `level` stand for above/below. */
export const TRIGGER_FIELDS = {
  threshold: [['thingId', 'text', 'Thing (empty: every thing)'], ['property', 'text', 'Property'], ['direction', 'direction', 'Fires when'], ['level', 'number', 'Level'], ['hysteresis', 'number', 'Hysteresis']],
  battery: [['thingId', 'text', 'Thing (empty: every thing)'], ['property', 'text', 'Property (default battery)'], ['below', 'number', 'Below %'], ['hysteresis', 'number', 'Hysteresis (default 5)']],
  event: [['thingId', 'text', 'Thing (empty: every thing)'], ['event', 'text', 'Event']],
  offline: [['thingId', 'text', 'Thing (empty: every thing)'], ['missedWakes', 'number', 'Missed wakes'], ['afterMs', 'number', 'After ms'], ['backOnline', 'bool', 'Also when back online']],
  schedule: [['everyMs', 'number', 'Every ms'], ['dailyAt', 'text', 'Daily at (HH:MM UTC)']],
};

/** The trigger a form's values describe (empty fields left out). */
export function triggerFromFields(type, values) {
  const t = { type };
  for (const [key, kind] of TRIGGER_FIELDS[type] ?? []) {
    const v = values[key];
    if (kind === 'direction' || key === 'level') continue;
    if (kind === 'bool') t[key] = v === true;
    else if (v !== undefined && v !== '') t[key] = kind === 'number' ? Number(v) : v;
  }
  if (type === 'threshold' && values.level !== undefined && values.level !== '') t[values.direction === 'below' ? 'below' : 'above'] = Number(values.level);
  return t;
}

/** A trigger as form values (the inverse of triggerFromFields). */
export function fieldsFromTrigger(t) {
  const values = { ...t };
  if (t.type === 'threshold') {
    values.direction = t.below !== undefined ? 'below' : 'above';
    values.level = t.below ?? t.above;
  }
  if (t.type === 'offline') values.backOnline = t.backOnline !== false;
  return values;
}

/** One line on what a trigger watches. */
export function describeTrigger(t) {
  const on = t.thingId ?? 'every thing';
  switch (t.type) {
    case 'threshold': return `${t.property} of ${on} ${t.above !== undefined ? `above ${t.above}` : `below ${t.below}`}${t.hysteresis ? ` (±${t.hysteresis})` : ''}`;
    case 'battery': return `${t.property ?? 'battery'} of ${on} below ${t.below}%`;
    case 'event': return `event ${t.event} of ${on}`;
    case 'offline': return `${on} offline${t.missedWakes ? ` after ${t.missedWakes} missed wakes` : ''}${t.afterMs ? ` after ${t.afterMs / 1000} s` : ''}`;
    case 'schedule': return t.everyMs !== undefined ? `every ${t.everyMs / 1000} s` : `daily at ${t.dailyAt} UTC`;
    default: return t.type;
  }
}

const when = (ms) => (typeof ms === 'number' ? new Date(ms).toLocaleString(undefined, { hour12: false }) : 'never');
const rulePath = (id) => `/rules/${encodeURIComponent(id)}`;

export function mountRules(main, ctx) {
  if (!MANAGERS.has(ctx.role)) {
    fill(main, h('section', { class: 'card' }, h('h1', {}, 'Rules'), h('p', { class: 'muted', id: 'rules-note' }, `Role ${ctx.role} does not manage rules: admins and operators do.`)));
    return () => {};
  }
  const body = h('tbody', { id: 'rules-body' });
  const note = h('p', { class: 'muted', id: 'rules-note', role: 'status' }, 'Loading…');
  const form = ruleForm(() => save());
  fill(main, h('div', {},
    h('section', { class: 'card' }, h('h1', {}, 'Rules'), note,
      h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Rule'), h('th', {}, 'Trigger'), h('th', {}, 'Actions'), h('th', {}, 'Last fired'), h('th', {}, 'Why'), h('th', {}, 'Last error'), h('th', {}, ''))),
        body)),
    form.el));

  let timer;
  let stopped = false;
  const say = (text, cls = 'ok') => {
    note.className = cls;
    note.textContent = text;
  };
  const act = async (fn, done) => {
    try {
      await fn();
      say(done);
      return true;
    } catch (err) {
      say(err.text ?? err.message, 'error');
      return false;
    } finally {
      await refresh(false);
    }
  };

  async function save() {
    let rule;
    try {
      rule = form.read();
    } catch (err) {
      say(err.message, 'error');
      return;
    }
    const editing = form.editing();
    const ok = await act(() => (editing ? call('PUT', rulePath(editing), { body: rule }) : call('POST', '/rules', { body: rule })), `${rule.name} saved.`);
    if (ok) form.reset();
  }

  const confirming = new Map();
  const remove = (r, button) => {
    if (!confirming.has(r.id)) {
      button.textContent = 'Really delete?';
      confirming.set(r.id, setTimeout(() => { confirming.delete(r.id); button.textContent = 'Delete'; }, CONFIRM_MS));
      return;
    }
    clearTimeout(confirming.get(r.id));
    confirming.delete(r.id);
    void act(() => call('DELETE', rulePath(r.id)), `${r.name} deleted.`);
  };

  const row = (r) => {
    const s = r.status;
    const del = h('button', { type: 'button', class: 'small danger', 'data-role': 'delete' }, 'Delete');
    del.addEventListener('click', () => remove(r, del));
    return h('tr', { 'data-id': r.id, 'data-enabled': String(r.enabled), 'data-failing': String(s.failing) },
      h('td', {}, r.name, h('div', { class: 'muted mono small' }, r.id), r.enabled ? '' : h('span', { class: 'tag' }, 'disabled')),
      h('td', { class: 'trigger' }, describeTrigger(r.trigger), r.conditions.length ? h('div', { class: 'muted small' }, `if ${r.conditions.map((c) => `${c.property} of ${c.thingId} ${c.op} ${JSON.stringify(c.value)}`).join(' and ')}`) : ''),
      h('td', { class: 'actions' }, r.actions.map((a) => h('span', { class: 'tag' }, a.type)), ' '),
      h('td', { class: 'fired' }, when(s.lastFiredAt), h('div', { class: 'muted small' }, `${s.fires} fired, ${s.suppressed} suppressed`)),
      h('td', { class: 'why' }, s.lastFiring?.reason ?? ''),
      h('td', { class: s.failing ? 'error last-error' : 'muted last-error' }, s.lastError ? `${s.lastError} (${when(s.lastErrorAt)})` : ''),
      h('td', {},
        h('button', { type: 'button', class: 'small', 'data-role': 'edit', onclick: () => form.edit(r) }, 'Edit'), ' ',
        h('button', { type: 'button', class: 'small', 'data-role': 'toggle', onclick: () => void act(() => call('PATCH', rulePath(r.id), { body: { enabled: !r.enabled } }), `${r.name} ${r.enabled ? 'disabled' : 'enabled'}.`) }, r.enabled ? 'Disable' : 'Enable'), ' ',
        del));
  };

  async function refresh(again = true) {
    try {
      const rules = await getJson('/rules');
      fill(body, rules.map(row));
      if (note.textContent === 'Loading…') say(rules.length ? `${rules.length} rules` : 'No rules yet: make one below.', 'muted');
    } catch (err) {
      say(err.text ?? err.message, 'error');
    }
    if (again && !stopped) timer = setTimeout(() => refresh(), REFRESH_MS);
  }
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const t of confirming.values()) clearTimeout(t);
  };
}

/** The create/edit form: name, enabled, rate limit, the trigger field by field, conditions and actions as JSON. */
function ruleForm(onSave) {
  const id = h('input', { id: 'rule-id', autocomplete: 'off', placeholder: 'empty: made for you' });
  const name = h('input', { id: 'rule-name', autocomplete: 'off', required: true });
  const enabled = h('input', { id: 'rule-enabled', type: 'checkbox', checked: true });
  const rate = h('input', { id: 'rule-rate', type: 'number', min: 1, placeholder: 'gateway default' });
  const type = h('select', { id: 'rule-trigger-type' }, Object.keys(TRIGGER_FIELDS).map((t) => h('option', { value: t }, t)));
  const fields = h('div', { class: 'fields', id: 'rule-trigger-fields' });
  const conditions = h('textarea', { id: 'rule-conditions', rows: 2 }, '[]');
  const actions = h('textarea', { id: 'rule-actions', rows: 3 }, '[{"type": "mqtt"}]');
  const title = h('h2', {}, 'New rule');
  const cancel = h('button', { type: 'button', class: 'link', id: 'rule-cancel', hidden: true }, 'Cancel');
  let editing = null;
  let inputs = {};

  const showFields = (values = {}) => {
    inputs = {};
    fill(fields, (TRIGGER_FIELDS[type.value] ?? []).map(([key, kind, label]) => {
      const attrs = { 'data-field': key, id: `rule-trigger-${key}` };
      const input = kind === 'direction'
        ? h('select', attrs, h('option', { value: 'above', selected: values[key] !== 'below' }, 'rises above'), h('option', { value: 'below', selected: values[key] === 'below' }, 'falls below'))
        : kind === 'bool' ? h('input', { ...attrs, type: 'checkbox', checked: values[key] !== false })
          : h('input', { ...attrs, type: kind === 'number' ? 'number' : 'text', step: 'any', value: values[key] ?? '' });
      inputs[key] = { input, kind };
      return h('label', {}, label, input);
    }));
  };
  type.addEventListener('change', () => showFields());
  showFields();

  const el = h('section', { class: 'card' }, title,
    h('form', { id: 'rule-form', onsubmit: (e) => { e.preventDefault(); onSave(); } },
      h('div', { class: 'fields' },
        h('label', {}, 'Id', id), h('label', {}, 'Name', name), h('label', {}, 'Enabled', enabled), h('label', {}, 'Max firings per minute', rate),
        h('label', {}, 'Trigger', type)),
      fields,
      h('label', {}, 'Conditions (JSON: [{"thingId", "property", "op": "eq|ne|gt|ge|lt|le", "value"}])', conditions),
      h('label', {}, 'Actions (JSON: event, mqtt {topic}, webhook {url, headers}, invoke {thingId, action, input}, write {thingId, property, value})', actions),
      h('div', { class: 'row' }, h('button', { type: 'submit', id: 'rule-save' }, 'Save'), cancel)));

  const json = (area, what) => {
    try {
      return JSON.parse(area.value || '[]');
    } catch {
      throw new Error(`${what} are not JSON`);
    }
  };
  const form = {
    el,
    editing: () => editing,
    read() {
      const values = Object.fromEntries(Object.entries(inputs).map(([k, { input, kind }]) => [k, kind === 'bool' ? input.checked : input.value.trim()]));
      const rule = { name: name.value.trim(), enabled: enabled.checked, trigger: triggerFromFields(type.value, values), conditions: json(conditions, 'Conditions'), actions: json(actions, 'Actions') };
      if (!editing && id.value.trim()) rule.id = id.value.trim();
      if (rate.value !== '') rule.maxFiresPerMinute = Number(rate.value);
      return rule;
    },
    edit(r) {
      editing = r.id;
      title.textContent = `Edit ${r.name}`;
      id.value = r.id;
      id.disabled = true;
      name.value = r.name;
      enabled.checked = r.enabled;
      rate.value = r.maxFiresPerMinute ?? '';
      type.value = r.trigger.type;
      showFields(fieldsFromTrigger(r.trigger));
      conditions.value = JSON.stringify(r.conditions);
      actions.value = JSON.stringify(r.actions, null, 1);
      cancel.hidden = false;
      name.focus();
    },
    reset() {
      editing = null;
      title.textContent = 'New rule';
      id.value = '';
      id.disabled = false;
      name.value = '';
      enabled.checked = true;
      rate.value = '';
      conditions.value = '[]';
      actions.value = '[{"type": "mqtt"}]';
      cancel.hidden = true;
      showFields();
    },
  };
  cancel.addEventListener('click', () => form.reset());
  return form;
}
