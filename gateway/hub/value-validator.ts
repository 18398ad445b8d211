/**
 * Checks property values and action inputs against the data schemas in a thing's TD.
 * TD data schemas are JSON Schema with extra annotations (readOnly, observable, unit...), which
 * ajv ignores with strict mode off. Compiled validators are cached per TD object and data schema,
 * and shared between TDs whose schemas are the same.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ThingDescription } from '../binding.js';
import { AffordanceNotFoundError, MethodNotAllowedError, ValueInvalidError } from '../../protocols/errors.js';
import { describeErrors } from '../config/config.js';
import { linearPattern } from './linear-pattern.js';

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

/** The validator of a data schema ajv cannot compile: every value is refused, with the reason. */
function refuseAll(reason: string): ValidateFunction {
  const errors: ErrorObject[] = [{ instancePath: '', schemaPath: '#', keyword: 'schema', params: {}, message: `the data schema does not compile: ${reason}` }];
  return Object.assign(() => false, { errors }) as unknown as ValidateFunction;
}

/** Compiles on one ajv instance before the next one is made (see compile()). */
export const AJV_COMPILES_PER_INSTANCE = 256;

function newAjv(): Ajv {
  return new Ajv({ strict: false, allErrors: true, validateSchema: false, code: { regExp: linearPattern } });
}

export interface ValueValidatorOptions {
  /**
   * Distinct data schemas whose compiled validator is shared by every TD that has them (a fleet
   * of one model has one TD shape); beyond it a schema is compiled for its TD alone.
   */
  maxSharedSchemas?: number;
}

export class ValueValidator {
  /**
   * No meta-schema check of each data schema (`validateSchema: false`): every TD was checked
   * against the TD 1.1 schema before it reaches the hub, which types its data schemas, and the
   * first check compiled ajv's draft-07 meta-schema, ~55 ms of a native start (a tenth of it,
   * issue 20's cold start: the MQTT publisher's first snapshot validates the twin's values) and
   * seconds under emulation. ajv still refuses at compile what it cannot compile (a bad `type`, a
   * bad `pattern`). Patterns run in linear time (linear-pattern.ts): a TD's author picks them.
   */
  private ajv = newAjv();
  private compilesOnAjv = 0;
  /**
   * Per data schema object: the lookup on every value, with no key string built. Keyed by the
   * schema, not by its TD: a TD is immutable (a registration or a change makes a new one), and the
   * TDs of one model share their affordances (bindings/coap/native-td.ts), so a Map per TD was
   * ~190 bytes a thing for the same few validators (issue 20, docs/fleet.md).
   */
  private readonly cache = new WeakMap<object, ValidateFunction>();
  /** The same for a schema that is no object (a TD 1.1 schema is one; `true` would not be). */
  private readonly primitives = new Map<unknown, ValidateFunction>();
  /**
   * Per schema text: compiling takes milliseconds, and ajv keeps what it compiled, so 1000
   * devices of one model must not mean 1000 compiles (issue 20: a fifth of a bench run).
   */
  private readonly shared = new Map<string, ValidateFunction>();
  private readonly maxShared: number;
  /** Validators compiled since start (one per distinct schema while within maxSharedSchemas). */
  compiles = 0;

  constructor(opts: ValueValidatorOptions = {}) {
    this.maxShared = opts.maxSharedSchemas ?? 10_000;
  }

  private compiled(schema: unknown): ValidateFunction {
    const isObject = typeof schema === 'object' && schema !== null;
    let fn = isObject ? this.cache.get(schema) : this.primitives.get(schema);
    if (!fn) {
      try {
        fn = this.compile(toJsonSchema(schema));
      } catch (err) {
        fn = refuseAll(err instanceof Error ? err.message : String(err));
      }
      if (isObject) this.cache.set(schema, fn);
      else if (this.primitives.size < 16) this.primitives.set(schema, fn);
    }
    return fn;
  }

  private compile(schema: Record<string, unknown>): ValidateFunction {
    const text = JSON.stringify(schema);
    let fn = this.shared.get(text);
    if (fn) return fn;
    this.compiles++;
    // An ajv instance keeps every function it compiled (its cache and its scope): a fresh one every
    // AJV_COMPILES_PER_INSTANCE compiles lets the old one go with the last TD that uses its
    // validators, so an agent replacing its TD with new schemas over and over stays bounded.
    if (this.compilesOnAjv++ >= AJV_COMPILES_PER_INSTANCE) {
      this.ajv = newAjv();
      this.compilesOnAjv = 1;
    }
    fn = this.ajv.compile(schema);
    if (this.shared.size < this.maxShared) this.shared.set(text, fn);
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
    const fn = this.compiled(p);
    if (!fn(value)) throw new ValueInvalidError(`property ${name}: ${describeErrors(fn.errors, 'value')}`, { property: name });
  }

  /**
   * Why a value does not fit property `name` (no such property, or a schema mismatch), or null
   * when it fits. For values coming from devices: never throws.
   */
  propertyMismatch(td: ThingDescription, name: string, value: unknown): string | null {
    const p = (td['properties'] as Record<string, Affordance> | undefined)?.[name];
    if (!p) return `the TD has no property ${name}`;
    const fn = this.compiled(p);
    return fn(value) ? null : describeErrors(fn.errors, 'value');
  }

  /** Throws unless `input` fits the action's input schema (no schema: input must be absent or null). */
  checkInput(td: ThingDescription, name: string, input: unknown): void {
    const a = this.action(td, name);
    if (a['input'] === undefined) {
      if (input !== undefined && input !== null) throw new ValueInvalidError(`action ${name} takes no input`, { action: name });
      return;
    }
    const fn = this.compiled(a['input']);
    if (!fn(input)) throw new ValueInvalidError(`action ${name}: ${describeErrors(fn.errors, 'input')}`, { action: name });
  }
}
