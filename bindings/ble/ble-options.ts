/**
 * Options of the BLE binding (config section `bindings.ble`), with their defaults. Every limit
 * carries its unit. Bind keys are secrets: the logger redacts `bindKeys`, and the binding
 * never logs them.
 */
import type { GattMapping } from '../../protocols/gatt/gatt-mapping.js';

export interface BleGattDeviceOptions {
  address: string;
  name?: string;
  sleepy?: boolean;
  sigServices?: boolean;
  readIntervalMs?: number;
  mappings?: GattMapping[];
}

export interface BleOptions {
  adapter: {
    /** `hci`: a kernel HCI device (needs CAP_NET_ADMIN/CAP_NET_RAW); `uart`: an HCI controller on a serial port. */
    driver: 'hci' | 'uart';
    hciDeviceId: number;
    /** Use the exclusive HCI user channel (the adapter must be down in BlueZ). */
    userChannel: boolean;
    uartPort?: string;
    uartBaudRate: number;
  };
  /** BTHome bind keys (32 hex characters) by MAC address. */
  bindKeys: Record<string, string>;
  gattDevices: BleGattDeviceOptions[];
  maxConnections: number;
  maxDevices: number;
  connectTimeoutMs: number;
  gattTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Awake window opened for a sleepy GATT device's session. */
  awakeWindowMs: number;
  /** Scanning is restarted when no advertisement arrived for this long. */
  scanRestartAfterSilenceMs: number;
  /** A passive sensor not heard for this long is reported offline. */
  offlineAfterMs: number;
  packetIdWindowMs: number;
  watchdogIntervalMs: number;
  /** Default for gattDevices[].readIntervalMs. */
  readIntervalMs: number;
}

const uuid = { type: 'string', pattern: '^(0x)?([0-9a-fA-F]{4}|[0-9a-fA-F]{8}|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$' };
const mac = '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$';
const ms = (def: number) => ({ type: 'integer', minimum: 1, default: def });

const mappingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'service', 'characteristic'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
    service: uuid,
    characteristic: uuid,
    read: { type: 'boolean' },
    notify: { type: 'boolean' },
    write: { type: 'boolean' },
    once: { type: 'boolean' },
    offset: { type: 'integer', minimum: 0, maximum: 511 },
    length: { type: 'integer', minimum: 1, maximum: 512 },
    type: { enum: ['uint', 'int', 'float32', 'bool', 'utf8', 'bytes'] },
    scale: { type: 'number', exclusiveMinimum: 0 },
    unit: { type: 'string' },
    description: { type: 'string' },
  },
};

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    adapter: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        driver: { enum: ['hci', 'uart'], default: 'hci' },
        hciDeviceId: { type: 'integer', minimum: 0, default: 0 },
        userChannel: { type: 'boolean', default: false },
        uartPort: { type: 'string' },
        uartBaudRate: { type: 'integer', minimum: 1200, default: 1000000 },
      },
    },
    bindKeys: {
      type: 'object',
      default: {},
      propertyNames: { pattern: mac },
      additionalProperties: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
    },
    gattDevices: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['address'],
        properties: {
          address: { type: 'string', pattern: mac },
          name: { type: 'string' },
          sleepy: { type: 'boolean', default: false },
          sigServices: { type: 'boolean', default: true },
          readIntervalMs: { type: 'integer', minimum: 0 },
          mappings: { type: 'array', items: mappingSchema, default: [] },
        },
      },
    },
    maxConnections: { type: 'integer', minimum: 1, maximum: 32, default: 4 },
    maxDevices: { type: 'integer', minimum: 1, default: 2000 },
    connectTimeoutMs: ms(5000),
    gattTimeoutMs: ms(3000),
    reconnectMinMs: ms(1000),
    reconnectMaxMs: ms(60000),
    awakeWindowMs: ms(10000),
    scanRestartAfterSilenceMs: ms(60000),
    offlineAfterMs: ms(600000),
    packetIdWindowMs: ms(4000),
    watchdogIntervalMs: ms(5000),
    readIntervalMs: { type: 'integer', minimum: 0, default: 300000 },
  },
};

function defaultsOf(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) if (v && typeof v === 'object' && 'default' in v) out[k] = (v as { default: unknown }).default;
  return out;
}

/** Fills the schema's defaults for options built in code (tests, embedding); config goes through ajv instead. */
export function withDefaults(partial: Partial<Omit<BleOptions, 'adapter'>> & { adapter?: Partial<BleOptions['adapter']> } = {}): BleOptions {
  const adapter = { ...defaultsOf(optionsSchema.properties.adapter.properties), ...partial.adapter };
  return { ...defaultsOf(optionsSchema.properties), ...partial, adapter } as BleOptions;
}
