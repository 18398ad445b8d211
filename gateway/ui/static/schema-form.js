// A form generated from an options JSON Schema (a binding's config section): one input per
// property, nested objects as fieldsets, arrays of objects as rows to add and remove. read()
// answers the edited value, where an empty input is undefined (the schema's default applies,
// shown as the placeholder). Secrets (`writeOnly`) start empty and stay unchanged unless typed.
import { h } from './dom.js';
import { describeSchema, fieldKind, parseInput, parseList } from './schema.js';

const text = (v) => (v === undefined || v === null ? '' : String(v));
/** A secret is never shown (GET /config leaves it out): its input says so instead of a default. */
const placeholder = (schema, shown) => (schema.writeOnly === true ? 'unchanged (write-only)' : shown);
/** Attributes every input of a field has: its path as name, and a mark on secrets (cleared after a save). */
const named = (schema, name) => ({ name, 'data-write-only': schema.writeOnly === true });
const listText = (v) => (Array.isArray(v) ? v.join(', ') : '');

/** Reads an input, throwing "<path>: <reason>" so the page can say which field is wrong. */
function parsed(path, fn) {
  try {
    return fn();
  } catch (err) {
    throw new Error(`${path}: ${err.message}`);
  }
}

/** [element, read] of one scalar field, by kind (a table, one entry per kind of input). */
const SCALAR_FIELDS = {
  boolean(schema, value, name) {
    const input = h('input', { type: 'checkbox', name });
    input.checked = Boolean(value ?? schema.default);
    // Unchanged from the default and never set: left to the default.
    return [input, () => (value === undefined && input.checked === Boolean(schema.default) ? undefined : input.checked)];
  },
  enum(schema, value, name) {
    const blank = schema.default === undefined ? '(not set)' : `(default: ${schema.default})`;
    const select = h('select', { name },
      h('option', { value: '' }, blank),
      schema.enum.map((v, i) => h('option', { value: String(i), selected: v === value }, String(v))));
    return [select, () => (select.value === '' ? undefined : schema.enum[Number(select.value)])];
  },
  number: numberField('number'),
  integer: numberField('integer'),
  string(schema, value, name) {
    const secret = schema.writeOnly === true;
    const input = h('input', { ...named(schema, name), type: secret ? 'password' : 'text', autocomplete: 'off', value: secret ? '' : text(value), placeholder: placeholder(schema, text(schema.default)) });
    return [input, () => (input.value === '' ? undefined : input.value)];
  },
  list(schema, value, name) {
    const input = h('input', { ...named(schema, name), type: 'text', value: listText(value), placeholder: placeholder(schema, listText(schema.default)) });
    return [input, () => (input.value.trim() === '' ? undefined : parsed(name, () => parseList(schema.items ?? {}, input.value)))];
  },
  json(schema, value, name) {
    const area = h('textarea', { ...named(schema, name), rows: 3, placeholder: placeholder(schema, schema.default === undefined ? 'JSON' : JSON.stringify(schema.default)) });
    area.value = value === undefined ? '' : JSON.stringify(value, null, 2);
    return [area, () => (area.value.trim() === '' ? undefined : parsed(name, () => parseInput('json', area.value)))];
  },
};

function numberField(kind) {
  return (schema, value, name) => {
    const input = h('input', { ...named(schema, name), type: 'number', value: text(value), placeholder: placeholder(schema, text(schema.default)), step: kind === 'integer' ? 1 : 'any', min: schema.minimum, max: schema.maximum });
    return [input, () => (input.value.trim() === '' ? undefined : parsed(name, () => parseInput(kind, input.value)))];
  };
}

/** One labelled field of any kind: [element, read]. */
function field(key, schema, value, path) {
  const kind = fieldKind(schema);
  if (kind === 'object') return objectFields(schema, value, path, key);
  if (kind === 'objects') return objectRows(key, schema, value, path);
  const [input, read] = SCALAR_FIELDS[kind](schema, value, path);
  const hint = [describeSchema(schema), schema.description].filter(Boolean).join(' – ');
  const el = h('label', { class: kind === 'boolean' ? 'field check' : 'field', 'data-field': path, title: schema.description },
    kind === 'boolean' ? [input, key] : [key, input], h('span', { class: 'hint' }, hint));
  return [el, read];
}

/** The properties of an object schema as fields; at the top (no legend) a plain div, nested a fieldset. */
function objectFields(schema, value, path, legend) {
  const current = value && typeof value === 'object' ? value : {};
  const reads = [];
  const els = [];
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const [el, read] = field(key, sub, current[key], path ? `${path}.${key}` : key);
    els.push(el);
    reads.push([key, read]);
  }
  const el = legend ? h('fieldset', { 'data-field': path }, h('legend', {}, legend), els) : h('div', { class: 'fields' }, els);
  const read = () => {
    const out = {};
    for (const [key, r] of reads) {
      const v = r();
      if (v !== undefined) out[key] = v;
    }
    return legend && Object.keys(out).length === 0 && value === undefined ? undefined : out;
  };
  return [el, read];
}

/** An array of objects: one fieldset per item, with Add and Remove. */
function objectRows(key, schema, value, path) {
  const rows = h('div', { class: 'rows' });
  const items = [];
  let n = 0;
  const add = (item) => {
    const entry = {};
    const remove = h('button', {
      type: 'button', class: 'small danger', 'data-role': 'remove',
      onclick: () => {
        items.splice(items.indexOf(entry), 1);
        entry.el.remove();
      },
    }, 'Remove');
    const [el, read] = objectFields(schema.items, item, `${path}.${n}`, `${key} ${n + 1}`);
    n++;
    el.append(remove);
    Object.assign(entry, { el, read });
    items.push(entry);
    rows.append(el);
  };
  for (const item of Array.isArray(value) ? value : []) add(item);
  const el = h('div', { class: 'field', 'data-field': path },
    h('span', {}, key, ' ', h('span', { class: 'hint' }, schema.description ?? '')), rows,
    h('button', { type: 'button', class: 'small', 'data-role': 'add', 'data-add': path, onclick: () => add(undefined) }, `Add ${key}`));
  return [el, () => (value === undefined && items.length === 0 ? undefined : items.map((i) => i.read()))];
}

/**
 * A form for `schema` (type object) prefilled with `value`; `skip` leaves properties out (they
 * have their own control). read() answers the edited object or throws an Error naming the field.
 */
export function schemaForm(schema, value = {}, { skip = [] } = {}) {
  const shown = { ...schema, properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => !skip.includes(k))) };
  const [el, read] = objectFields(shown, value, '', undefined);
  /** Empties the secrets typed (after a save: they are not sent again). */
  const clearSecrets = () => {
    for (const input of el.querySelectorAll('[data-write-only]')) input.value = '';
  };
  return { el, read, clearSecrets };
}
