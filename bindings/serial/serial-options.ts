/** Options of the serial binding (config section `bindings.serial`), every limit with its unit. */
import type { FromSchema } from '../../gateway/binding.js';

/** A port named by its path (`/dev/ttyUSB0`, `/dev/serial/by-id/...`). */
export type PortConfig = { path: string } & Partial<PortFraming>;

/** USB serial adapters matched by vendor/product id (hex, as `lsusb` prints them). */
export type UsbMatch = { vendorId: string; productId: string } & Partial<PortFraming>;

const framing = {
  baudRate: { type: 'integer', minimum: 50, maximum: 4000000 },
  dataBits: { enum: [5, 6, 7, 8] },
  stopBits: { enum: [1, 2] },
  parity: { enum: ['none', 'even', 'odd'] },
  rtscts: { type: 'boolean', description: 'RTS/CTS hardware flow control.' },
} as const;

/** UART framing of one port; unset fields take the binding-wide defaults. */
export type PortFraming = { -readonly [K in keyof typeof framing]: FromSchema<(typeof framing)[K]> };

const hexId = { type: 'string', pattern: '^[0-9A-Fa-f]{4}$' } as const;

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ports: {
      type: 'array', default: [],
      items: { type: 'object', additionalProperties: false, required: ['path'], properties: { path: { type: 'string', minLength: 1 }, ...framing } },
    },
    usb: {
      type: 'array', default: [],
      items: { type: 'object', additionalProperties: false, required: ['vendorId', 'productId'], properties: { vendorId: hexId, productId: hexId, ...framing } },
    },
    baudRate: { ...framing.baudRate, default: 115200 },
    dataBits: { ...framing.dataBits, default: 8 },
    stopBits: { ...framing.stopBits, default: 1 },
    parity: { ...framing.parity, default: 'none' },
    rtscts: { ...framing.rtscts, default: false },
    ackTimeoutMs: { type: 'integer', minimum: 5, default: 250 },
    maxRetries: { type: 'integer', minimum: 0, maximum: 10, default: 3 },
    maxFrameBytes: { type: 'integer', minimum: 32, maximum: 4096, default: 256 },
    maxQueuedFrames: { type: 'integer', minimum: 1, default: 64 },
    maxWriteBacklogBytes: { type: 'integer', minimum: 1024, default: 16384, description: 'Bytes written to a port that the device has not read yet (its RX stalled, CTS held). Beyond this a frame to it is not written and counted (writesRefused): acks it would not read, sends that its retries cover.' },
    duplicateWindowMs: { type: 'integer', minimum: 0, default: 2000 },
    maxSenmlRecords: { type: 'integer', minimum: 1, default: 64 },
    maxUnitsPerPort: { type: 'integer', minimum: 1, maximum: 255, default: 16, description: 'Logical things (units) one port may carry.' },
    reconnectMinMs: { type: 'integer', minimum: 10, default: 250, description: 'Reopen delay after a port closes or fails to open: doubles from min to max.' },
    reconnectMaxMs: { type: 'integer', minimum: 10, default: 10000 },
    presenceCheckMs: { type: 'integer', minimum: 0, default: 1000, description: 'How often an open port\'s device node is checked to still be there (0: never). Unplugging a USB adapter removes its node, and a pty\'s goes with its master; the read error that should tell is sometimes late, so a vanished or replaced node closes the port as disconnected.' },
    scanIntervalMs: { type: 'integer', minimum: 0, default: 5000, description: 'How often USB ports are listed to find matches (0: only at start).' },
    helloTimeoutMs: { type: 'integer', minimum: 10, default: 2000, description: 'Asks again for hello when a port stays silent this long after opening.' },
    awakeWindowMs: { type: 'integer', minimum: 1, default: 5000, description: 'Awake window an uplink of a sleepy unit opens.' },
    resultTimeoutMs: { type: 'integer', minimum: 10, default: 30000, description: 'How long the binding remembers a delivered write or action for its result (then the entry is forgotten and counted as resultsForgotten). Whether the item goes out again is the hub\'s queue.resultTimeoutMs; the binding never fails an item for want of a result.' },
  },
} as const;

/** The options as the config loader hands them over: derived from the schema, declared nowhere else. */
export type SerialOptions = FromSchema<typeof optionsSchema>;

/** Defaults from the schema, for callers that build the binding without the config loader. */
export function serialOptions(partial: Partial<SerialOptions> = {}): SerialOptions {
  const d = Object.fromEntries(Object.entries(optionsSchema.properties).map(([k, v]) => [k, v.default]));
  return { ...d, ...partial } as SerialOptions;
}

/** The framing of one port: its own fields over the binding defaults. */
export function framingOf(opts: PortFraming, port: Partial<PortFraming>): PortFraming {
  return {
    baudRate: port.baudRate ?? opts.baudRate,
    dataBits: port.dataBits ?? opts.dataBits,
    stopBits: port.stopBits ?? opts.stopBits,
    parity: port.parity ?? opts.parity,
    rtscts: port.rtscts ?? opts.rtscts,
  };
}
