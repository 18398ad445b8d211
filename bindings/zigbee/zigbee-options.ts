/**
 * Options of the Zigbee binding (config section `bindings.zigbee`), with their defaults and
 * units in the names. One object; the gateway validates it against optionsSchema.
 */
export interface ZigbeeOptions {
  /** Serial path of the coordinator stick, or `tcp://host:port` for a network-attached one. */
  port: string;
  adapter: 'zstack' | 'ember' | 'deconz' | 'zigate' | 'zboss';
  baudRate: number;
  rtscts: boolean;
  disableLed: boolean;
  /** Fixed channel (11-26); by default one is chosen at random on first start and kept. */
  channel?: number;
  /** Fixed PAN id; by default generated on first start and kept. */
  panId?: number;
  /** Attempts of a model's configure() after an interview. */
  configureAttempts: number;
  configureRetryDelayMs: number;
  /** Pause before reopening a coordinator that is absent or went away. */
  reconnectDelayMs: number;
  /** A mains device not heard from for this long is pinged; no answer marks it offline. */
  mainsAvailabilityTimeoutMs: number;
  /** A battery device not heard from for this long is offline (it is never pinged). */
  batteryAvailabilityTimeoutMs: number;
  availabilityCheckIntervalMs: number;
  /** Awake window opened on a sleepy device's uplink; default: the hub's queue.awakeWindowMs. */
  awakeWindowMs?: number;
  /** Live read of an always-on device: time to wait for its answer. */
  readTimeoutMs: number;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'string', minLength: 1, default: '/dev/ttyACM0' },
    adapter: { type: 'string', enum: ['zstack', 'ember', 'deconz', 'zigate', 'zboss'], default: 'zstack' },
    baudRate: { type: 'integer', minimum: 1200, default: 115200 },
    rtscts: { type: 'boolean', default: false },
    disableLed: { type: 'boolean', default: false },
    channel: { type: 'integer', minimum: 11, maximum: 26 },
    panId: { type: 'integer', minimum: 1, maximum: 0xfff6 },
    configureAttempts: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
    configureRetryDelayMs: { type: 'integer', minimum: 0, default: 2000 },
    reconnectDelayMs: { type: 'integer', minimum: 100, default: 5000 },
    mainsAvailabilityTimeoutMs: { type: 'integer', minimum: 1000, default: 600000 },
    batteryAvailabilityTimeoutMs: { type: 'integer', minimum: 1000, default: 90000000 },
    availabilityCheckIntervalMs: { type: 'integer', minimum: 100, default: 60000 },
    awakeWindowMs: { type: 'integer', minimum: 1 },
    readTimeoutMs: { type: 'integer', minimum: 100, default: 5000 },
  },
} as const;
