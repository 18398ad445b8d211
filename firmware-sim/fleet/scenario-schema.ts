/**
 * JSON Schema of a fleet scenario file (YAML or JSON), with a default for every optional key.
 * docs/fleet.md explains each key; scenario.ts validates against this and adds the checks a
 * schema cannot express (action targets exist, replay files and columns exist).
 */
const nonNegative = { type: 'number', minimum: 0 } as const;
const probability = { type: 'number', minimum: 0, maximum: 1, default: 0 } as const;

const randomWalk = {
  type: 'object', additionalProperties: false, required: ['generator'],
  properties: {
    generator: { const: 'random-walk' },
    start: { type: 'number', default: 0 },
    stepMax: { ...nonNegative, default: 1, description: 'Largest change per reading (uniform in ±stepMax).' },
    min: { type: 'number', default: -1e9 },
    max: { type: 'number', default: 1e9 },
    decimals: { type: 'integer', minimum: 0, maximum: 9, default: 2 },
  },
} as const;

const sine = {
  type: 'object', additionalProperties: false, required: ['generator'],
  properties: {
    generator: { const: 'sine' },
    mean: { type: 'number', default: 0 },
    amplitude: { ...nonNegative, default: 1 },
    periodS: { type: 'number', exclusiveMinimum: 0, default: 3600 },
    phaseS: { type: 'number', default: 0 },
    noise: { ...nonNegative, default: 0, description: 'Standard deviation of added Gaussian noise.' },
    decimals: { type: 'integer', minimum: 0, maximum: 9, default: 2 },
  },
} as const;

const replay = {
  type: 'object', additionalProperties: false, required: ['generator', 'file', 'column'],
  properties: {
    generator: { const: 'replay' },
    file: { type: 'string', minLength: 1, description: 'CSV file with a header row, relative to the scenario file.' },
    column: { type: 'string', minLength: 1 },
    loop: { type: 'boolean', default: true, description: 'Start again at the first row after the last; else repeat the last value.' },
    offsetPerDevice: { type: 'boolean', default: true, description: 'Each device starts at a different row (seeded).' },
  },
} as const;

const constant = {
  type: 'object', additionalProperties: false, required: ['generator', 'value'],
  properties: { generator: { const: 'constant' }, value: { type: 'number' } },
} as const;

export const GENERATOR_KINDS = ['random-walk', 'sine', 'replay', 'constant'] as const;

const group = {
  type: 'object', additionalProperties: false, required: ['kind', 'count'],
  properties: {
    kind: { type: 'string', minLength: 1, description: 'A device kind from firmware-sim/fleet/device-kinds.ts.' },
    count: { type: 'integer', minimum: 1, maximum: 100000 },
    idPrefix: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$', description: 'Device ids are <idPrefix>-<n>; default: the kind.' },
    wakeIntervalS: { type: 'number', exclusiveMinimum: 0, default: 30, description: 'Time between wakes (sleepy) or reports (always-on).' },
    wakeJitterS: { ...nonNegative, default: 0, description: 'Each interval varies uniformly by ±wakeJitterS.' },
    readings: {
      type: 'object', default: {},
      additionalProperties: {
        type: 'object', required: ['generator'],
        discriminator: { propertyName: 'generator' },
        oneOf: [randomWalk, sine, replay, constant],
      },
      description: 'Reading name -> value generator.',
    },
    options: { type: 'object', default: {}, description: 'Options of the device kind (see docs/fleet.md).' },
  },
} as const;

const groupWithEnergy = { ...group, properties: { ...group.properties, energy: { $ref: '#/$defs/groupEnergy' } } } as const;

/** When and where an action or a write goes: at `atS`, to `device`, `repeatCount` times `repeatEveryS` apart. */
const timing = {
  atS: { ...nonNegative, description: 'Simulated second at which the fleet sends it through the hub API.' },
  device: { type: 'string', minLength: 1 },
  repeatEveryS: { type: 'number', exclusiveMinimum: 0 },
  repeatCount: { type: 'integer', minimum: 1, default: 1, description: 'Times in all (with repeatEveryS).' },
} as const;

const action = {
  type: 'object', additionalProperties: false, required: ['atS', 'device', 'action'],
  properties: {
    ...timing,
    action: { type: 'string', minLength: 1 },
    input: { description: 'Action input as the thing\'s TD describes it.' },
  },
} as const;

/** A property write: like an action, but the hub coalesces writes of one property (the older one is superseded). */
const write = {
  type: 'object', additionalProperties: false, required: ['atS', 'device', 'property', 'value'],
  properties: {
    ...timing,
    property: { type: 'string', minLength: 1 },
    value: { description: 'The value, as the thing\'s TD describes the property.' },
  },
} as const;

const faults = {
  type: 'object', additionalProperties: false, default: {},
  properties: {
    loss: { ...probability, description: 'Probability that a datagram is lost, each direction.' },
    duplication: { ...probability, description: 'Probability that an uplink datagram is sent twice.' },
    reorder: { ...probability, description: 'Probability that an uplink is held back and sent after the next one.' },
    rebootPerWake: { ...probability, description: 'Probability that a device reboots at a wake (state lost, new transport).' },
    clockDriftPpm: { ...nonNegative, default: 0, description: 'Each device\'s clock runs fast or slow by up to this many ppm.' },
    batteryDepletion: {
      type: 'object', additionalProperties: false, default: { fraction: 0, remainingMah: 0 },
      properties: {
        fraction: { ...probability, description: 'Share of battery devices that start nearly empty.' },
        remainingMah: { ...nonNegative, default: 0, description: 'Their charge at the start; a device with none left stops waking.' },
      },
    },
  },
} as const;

const energy = {
  type: 'object', additionalProperties: false, default: {},
  properties: {
    batteryMah: { type: 'number', exclusiveMinimum: 0, default: 2400, description: 'Capacity of a battery device (e.g. 2 AA cells).' },
    sleepCurrentUa: { ...nonNegative, default: 5 },
    txCurrentMa: { ...nonNegative, default: 15 },
    rxCurrentMa: { ...nonNegative, default: 12 },
    bitrateKbps: { type: 'number', exclusiveMinimum: 0, default: 250, description: 'Radio air rate (802.15.4: 250 kbit/s).' },
    frameOverheadBytes: { ...nonNegative, default: 31, description: 'Link and network header bytes added to each datagram on air.' },
    wakeOverheadMs: { ...nonNegative, default: 3, description: 'Radio start-up and calibration per wake, at rx current.' },
    rxWindowMs: { ...nonNegative, default: 20, description: 'Listening after each uplink for the answer, at rx current.' },
    connectedDutyCycle: { type: 'number', minimum: 0, maximum: 1, default: 0.05, description: 'Share of the time connected (BLE) that the radio is on, at rx current.' },
  },
} as const;

/** EDHOC enrolment of the CoAP devices with `security: edhoc` (docs/fleet.md "EDHOC"). */
const edhoc = {
  type: 'object', additionalProperties: false, default: {},
  properties: {
    suites: { type: 'array', items: { enum: [0, 2] }, minItems: 1, default: [2], description: 'Cipher suites, taken in turn by the CoAP devices (0: X25519/Ed25519, 2: P-256).' },
    method: { enum: [0, 1, 2, 3], default: 3, description: 'EDHOC method (0: signatures, 3: static DH).' },
    combined: { type: 'boolean', default: true, description: 'message_3 inside the first OSCORE request (RFC 9668): one round trip less.' },
    gatewayFingerprints: {
      type: 'array', default: [], items: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      description: 'Gateway key fingerprints the devices pin (GET /gateway/identity, edhoc); empty: each device pins the first key it sees.',
    },
  },
} as const;

/** The same keys without defaults: a device group's overrides of its kind's and the scenario's figures. */
const groupEnergy = {
  type: 'object', additionalProperties: false,
  properties: Object.fromEntries(Object.entries(energy.properties).map(([k, v]) => {
    const { default: _d, ...rest } = v as Record<string, unknown>;
    return [k, rest];
  })),
} as const;

export const scenarioSchema = {
  $id: 'https://roost.dev/schemas/fleet-scenario.json',
  type: 'object',
  additionalProperties: false,
  required: ['devices', 'durationS'],
  properties: {
    name: { type: 'string', default: 'scenario' },
    seed: { type: ['integer', 'string'], default: 1 },
    durationS: { type: 'number', exclusiveMinimum: 0, description: 'Simulated time the scenario covers.' },
    speed: { ...nonNegative, default: 1, description: 'Simulated seconds per wall-clock second; 0 runs as fast as the gateway answers.' },
    tickMs: { type: 'integer', minimum: 10, maximum: 60000, default: 1000, description: 'Simulated time step: wakes and actions due in one step run together.' },
    settleS: { ...nonNegative, default: 5, description: 'Wall-clock seconds to wait at the end for outstanding actions.' },
    security: { enum: ['oscore', 'edhoc', 'none'], default: 'oscore', description: 'CoAP devices protect their requests with OSCORE (keys from the seed, docs/fleet.md), enrol by EDHOC (a key pair from the seed, its fingerprint in the manifest) and then speak OSCORE, or speak plain CoAP.' },
    edhoc,
    devices: { type: 'array', minItems: 1, items: groupWithEnergy },
    actions: { type: 'array', default: [], items: action },
    writes: { type: 'array', default: [], items: write },
    faults,
    energy,
  },
  $defs: { groupEnergy },
} as const;
