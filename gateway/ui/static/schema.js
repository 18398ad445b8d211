// Data schemas of a TD (WoT TD 1.1 §5.3.2) as editors: which input a value needs, how the
// text typed into it becomes a value, and a JSON example to prefill an action's input.

/** The kind of input for a property write: boolean, integer, number, enum, string or json. */
export function inputKind(schema = {}) {
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')) return 'enum';
  switch (schema.type) {
    case 'boolean': return 'boolean';
    case 'integer': return 'integer';
    case 'number': return 'number';
    case 'string': return 'string';
    default: return 'json';
  }
}

/** The value of an input's text (or checkbox state); throws an Error a person can read. */
export function parseInput(kind, raw) {
  switch (kind) {
    case 'boolean': return Boolean(raw);
    case 'integer':
    case 'number': {
      const text = String(raw).trim();
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) throw new Error('enter a number');
      if (kind === 'integer' && !Number.isInteger(n)) throw new Error('enter a whole number');
      return n;
    }
    case 'enum':
    case 'string': return String(raw);
    default:
      try {
        return JSON.parse(String(raw));
      } catch (err) {
        throw new Error(`not JSON: ${err.message}`);
      }
  }
}

/** A short description of the schema's limits, e.g. "integer 0…100 %". */
export function describeSchema(schema = {}) {
  const parts = [schema.type ?? 'any'];
  if (schema.minimum !== undefined || schema.maximum !== undefined) parts.push(`${schema.minimum ?? ''}…${schema.maximum ?? ''}`);
  if (Array.isArray(schema.enum)) parts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (schema.unit) parts.push(schema.unit);
  return parts.join(' ');
}

/** A value that fits the schema, to prefill an editor: default, const, first enum, else by type. */
export function exampleFromSchema(schema, depth = 0) {
  if (!schema || typeof schema !== 'object' || depth > 8) return null;
  if ('default' in schema) return schema.default;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (Array.isArray(schema.oneOf) && schema.oneOf.length > 0) return exampleFromSchema(schema.oneOf[0], depth + 1);
  switch (schema.type) {
    case 'boolean': return false;
    case 'integer':
    case 'number': {
      if (typeof schema.minimum === 'number') return schema.type === 'integer' ? Math.ceil(schema.minimum) : schema.minimum;
      if (typeof schema.maximum === 'number' && schema.maximum < 0) return schema.maximum;
      return 0;
    }
    case 'string': return '';
    case 'null': return null;
    case 'array': {
      const n = typeof schema.minItems === 'number' ? Math.min(schema.minItems, 16) : 0;
      return Array.from({ length: n }, () => exampleFromSchema(schema.items, depth + 1));
    }
    case 'object': {
      const out = {};
      for (const [k, s] of Object.entries(schema.properties ?? {})) out[k] = exampleFromSchema(s, depth + 1);
      return out;
    }
    default: return null;
  }
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** JSON of a value with undefined members left out, for comparing arrays and scalars. */
const canonical = (v) => JSON.stringify(v ?? null);

/**
 * The RFC 7396 merge patch that turns `before` into `after`: objects key by key, anything else
 * replaced whole; a key whose value is undefined in `after` is removed (null). Undefined when
 * nothing changed.
 */
export function diffPatch(before, after) {
  if (!isPlainObject(before) || !isPlainObject(after)) {
    if (after === undefined) return before === undefined ? undefined : null;
    return canonical(before) === canonical(after) ? undefined : after;
  }
  const out = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = diffPatch(before[k], after[k]);
    if (d !== undefined) out[k] = d;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** How a form edits a value of this schema: boolean, integer, number, enum, string, list (of scalars), object (with properties), objects (array of them) or json. */
export function fieldKind(schema = {}) {
  if (schema.type === 'object' && isPlainObject(schema.properties)) return 'object';
  if (schema.type === 'array') {
    const items = schema.items ?? {};
    if (items.type === 'object' && isPlainObject(items.properties)) return 'objects';
    return ['boolean', 'integer', 'number', 'enum', 'string'].includes(inputKind(items)) || Array.isArray(items.enum) ? 'list' : 'json';
  }
  if (Array.isArray(schema.enum)) return 'enum';
  return inputKind(schema);
}

/** A comma-separated list typed into one input, each item parsed for the items' schema. */
export function parseList(itemSchema, raw) {
  const text = String(raw).trim();
  if (text === '') return [];
  const kind = Array.isArray(itemSchema?.enum) && !itemSchema.enum.every((v) => typeof v === 'string') ? 'json' : inputKind(itemSchema);
  return text.split(',').map((part) => parseInput(kind, part.trim()));
}
