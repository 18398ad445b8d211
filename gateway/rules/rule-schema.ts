/**
 * JSON Schema of a rule as a client writes it (docs/rules.md "The rule format"): one trigger, optional
 * conditions on other things' twins, one or more actions. The HTTP routes declare it and
 * rule-validator.ts checks every rule against it (also after a PATCH merged into a stored one), so the
 * TypeScript types in rule-types.ts and this schema say the same thing.
 */

const thingId = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const name = { type: 'string', minLength: 1, maxLength: 128 } as const;
const level = { type: 'number' } as const;
const band = { type: 'number', minimum: 0 } as const;

/** The trigger types and their own keys; `if type then these` keeps ajv's messages precise. */
const TRIGGER_SHAPES = {
  threshold: {
    required: ['property'],
    properties: { thingId, property: name, above: level, below: level, hysteresis: band },
    oneOf: [{ required: ['above'] }, { required: ['below'] }],
  },
  battery: {
    required: ['below'],
    properties: { thingId, property: name, below: { type: 'number', minimum: 0, maximum: 100 }, hysteresis: band },
  },
  event: {
    required: ['event'],
    properties: { thingId, event: name },
  },
  offline: {
    properties: {
      thingId,
      missedWakes: { type: 'integer', minimum: 1, maximum: 1000 },
      afterMs: { type: 'integer', minimum: 1000 },
      backOnline: { type: 'boolean' },
    },
  },
  schedule: {
    properties: {
      everyMs: { type: 'integer', minimum: 1000 },
      dailyAt: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' },
    },
    oneOf: [{ required: ['everyMs'] }, { required: ['dailyAt'] }],
  },
} as const;

const ACTION_SHAPES = {
  event: { properties: {} },
  mqtt: { properties: { topic: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^+#$][^+#]*$' } } },
  webhook: {
    required: ['url'],
    properties: {
      url: { type: 'string', minLength: 8, maxLength: 2048, pattern: '^https?://' },
      headers: { type: 'object', maxProperties: 16, additionalProperties: { type: 'string', maxLength: 1024 } },
    },
  },
  invoke: { required: ['thingId', 'action'], properties: { thingId, action: name, input: {} } },
  write: { required: ['thingId', 'property', 'value'], properties: { thingId, property: name, value: {} } },
} as const;

export const TRIGGER_TYPES = Object.keys(TRIGGER_SHAPES) as Array<keyof typeof TRIGGER_SHAPES>;
export const ACTION_TYPES = Object.keys(ACTION_SHAPES) as Array<keyof typeof ACTION_SHAPES>;
export const CONDITION_OPS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;

/** A discriminated object: `type` one of the table's keys, then that key's own shape, nothing else. */
function tagged(shapes: Record<string, { required?: readonly string[]; properties: Record<string, unknown>; oneOf?: readonly unknown[] }>): Record<string, unknown> {
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: Object.keys(shapes) } },
    allOf: Object.entries(shapes).map(([type, shape]) => ({
      if: { properties: { type: { const: type } } },
      then: {
        additionalProperties: false,
        required: shape.required ?? [],
        properties: { type: { const: type }, ...shape.properties },
        ...(shape.oneOf ? { oneOf: shape.oneOf } : {}),
      },
    })),
  };
}

export const MAX_CONDITIONS = 8;
export const MAX_ACTIONS = 8;

export const conditionSchema = {
  type: 'object', additionalProperties: false, required: ['thingId', 'property', 'op', 'value'],
  properties: { thingId, property: name, op: { enum: CONDITION_OPS }, value: { anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }] } },
} as const;

/** The fields a client sets; `id` only when it creates a rule under a name of its choosing. */
export const ruleProperties = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  enabled: { type: 'boolean' },
  trigger: tagged(TRIGGER_SHAPES),
  conditions: { type: 'array', maxItems: MAX_CONDITIONS, items: conditionSchema },
  actions: { type: 'array', minItems: 1, maxItems: MAX_ACTIONS, items: tagged(ACTION_SHAPES) },
  maxFiresPerMinute: { type: 'integer', minimum: 1, maximum: 600 },
} as const;

export const RULE_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

export const ruleSchema = {
  $id: 'https://roost.dev/schemas/rule.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'trigger', 'actions'],
  properties: { id: { type: 'string', pattern: RULE_ID_PATTERN }, ...ruleProperties },
} as const;
