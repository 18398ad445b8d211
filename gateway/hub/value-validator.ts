/**
 * Checks property values and action inputs against the data schemas in a thing's TD.
 * TD data schemas are JSON Schema with extra annotations (readOnly, observable, unit...), which
 * ajv ignores with strict mode off. Compiled validators are cached per TD object.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { ThingDescription } from '../binding.js';
import { AffordanceNotFoundError, MethodNotAllowedError, ValueInvalidError } from '../../protocols/errors.js';
import { describeErrors } from '../config/config.js';

type Affordance = Record<string, unknown>;

const DATA_SCHEMA_KEYS = [
  'type', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern', 'items', 'minItems', 'maxItems', 'properties', 'required',
  'oneOf', 'format', 'contentEncoding', 'contentMediaType',
];

/** Keeps only the JSON Schema part of a TD data schema (drops forms, TD annotations, `readOnly`). */
function toJsonSchema(ds: unknown): Record<string, unknown> {
  if (!ds || typeof ds !== 'object') return {};
  const src = ds as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of DATA_SCHEMA_KEYS) {
    if (src[k] === undefined) continue;
    if (k === 'properties' && typeof src[k] === 'object') {
      out[k] = Object.fromEntries(Object.entries(src[k] as Record<string, unknown>).map(([n, s]) => [n, toJsonSchema(s)]));
    } else if (k === 'items') {
      out[k] = Array.isArray(src[k]) ? (src[k] as unknown[]).map(toJsonSchema) : toJsonSchema(src[k]);
    } else if (k === 'oneOf' && Array.isArray(src[k])) {
      out[k] = (src[k] as unknown[]).map(toJsonSchema);
    } else if (k === 'format') {
      continue; // formats are advisory in TDs
    } else {
      out[k] = src[k];
    }
  }
  return out;
}

export class ValueValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly cache = new WeakMap<object, Map<string, ValidateFunction>>();

  private compiled(td: ThingDescription, key: string, schema: unknown): ValidateFunction {
    let perTd = this.cache.get(td);
    if (!perTd) {
      perTd = new Map();
      this.cache.set(td, perTd);
    }
    let fn = perTd.get(key);
    if (!fn) {
      fn = this.ajv.compile(toJsonSchema(schema));
      perTd.set(key, fn);
    }
    return fn;
  }

  property(td: ThingDescription, name: string): Affordance {
    const p = (td['properties'] as Record<string, Affordance> | undefined)?.[name];
    if (!p) throw new AffordanceNotFoundError(`no property ${name}`, { property: name });
    return p;
  }

  action(td: ThingDescription, name: string): Affordance {
    const a = (td['actions'] as Record<string, Affordance> | undefined)?.[name];
    if (!a) throw new AffordanceNotFoundError(`no action ${name}`, { action: name });
    return a;
  }

  event(td: ThingDescription, name: string): Affordance {
    const e = (td['events'] as Record<string, Affordance> | undefined)?.[name];
    if (!e) throw new AffordanceNotFoundError(`no event ${name}`, { event: name });
    return e;
  }

  /** Throws unless `value` may be written to property `name`. */
  checkWrite(td: ThingDescription, name: string, value: unknown): void {
    const p = this.property(td, name);
    if (p['readOnly'] === true) throw new MethodNotAllowedError(`property ${name} is read-only`, { property: name });
    const fn = this.compiled(td, `p:${name}`, p);
    if (!fn(value)) throw new ValueInvalidError(`property ${name}: ${describeErrors(fn.errors, 'value')}`, { property: name });
  }

  /**
   * Why a value does not fit property `name` (no such property, or a schema mismatch), or null
   * when it fits. For values coming from devices: never throws.
   */
  propertyMismatch(td: ThingDescription, name: string, value: unknown): string | null {
    const p = (td['properties'] as Record<string, Affordance> | undefined)?.[name];
    if (!p) return `the TD has no property ${name}`;
    const fn = this.compiled(td, `p:${name}`, p);
    return fn(value) ? null : describeErrors(fn.errors, 'value');
  }

  /** Throws unless `input` fits the action's input schema (no schema: input must be absent or null). */
  checkInput(td: ThingDescription, name: string, input: unknown): void {
    const a = this.action(td, name);
    if (a['input'] === undefined) {
      if (input !== undefined && input !== null) throw new ValueInvalidError(`action ${name} takes no input`, { action: name });
      return;
    }
    const fn = this.compiled(td, `a:${name}`, a['input']);
    if (!fn(input)) throw new ValueInvalidError(`action ${name}: ${describeErrors(fn.errors, 'input')}`, { action: name });
  }
}
