/**
 * JSON Schema of the gateway's config file, with a default for every key. A binding's own section
 * (bindings.<name>) is checked against that binding module's optionsSchema when it loads.
 */
export const configSchema = {
  $id: 'https://roost.dev/schemas/config.json',
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    dataDir: { type: 'string', default: './data', description: 'Directory of the SQLite database, keys and backups.' },
    log: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
      },
    },
    http: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        host: { type: 'string', default: '0.0.0.0' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
        publicBaseUrl: { type: 'string', description: 'Base URL written into consumer TD forms; derived from host and port when absent.' },
        maxBodyBytes: { type: 'integer', minimum: 1024, default: 1048576 },
        syncWaitMs: { type: 'integer', minimum: 0, default: 2000, description: 'How long an invocation on an awake device waits for its result before answering 202.' },
        readTimeoutMs: { type: 'integer', minimum: 1, default: 5000, description: 'How long a read of an always-on device\'s property that the twin cannot answer waits for the device (then 504 ROOST_ERR_DEVICE_TIMEOUT).' },
        maxJsonDepth: { type: 'integer', minimum: 1, maximum: 1000, default: 64, description: 'Deepest nesting of arrays and objects in a JSON body; deeper is a 400.' },
        events: {
          type: 'object', additionalProperties: false, default: {},
          description: 'Event and observe streams over HTTP (SSE and longpoll), see docs/api-events.md.',
          properties: {
            maxStreams: { type: 'integer', minimum: 1, default: 256, description: 'Open SSE streams plus waiting longpolls; beyond it ROOST_ERR_RATE_LIMITED.' },
            maxBufferedBytes: { type: 'integer', minimum: 1024, default: 262144, description: 'Unsent bytes per SSE stream (beyond what the kernel holds); a client further behind is cut off.' },
            heartbeatMs: { type: 'integer', minimum: 10, default: 15000, description: 'Interval of SSE comment lines that keep idle streams open through proxies.' },
            longpollTimeoutMs: { type: 'integer', minimum: 10, maximum: 3300000, default: 1800000, description: 'How long a longpoll GET waits for the next event before answering 204 (node-wot gives up after 1 h).' },
            maxReplay: { type: 'integer', minimum: 0, default: 1000, description: 'History rows replayed to a stream resuming with Last-Event-ID.' },
          },
        },
      },
    },
    mqtt: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        host: { type: 'string', default: '0.0.0.0' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 1883 },
        publicBaseUrl: { type: 'string', description: 'mqtt:// base URL written into consumer TD forms.' },
        websocket: { type: 'boolean', default: true },
        maxPacketBytes: { type: 'integer', minimum: 1024, default: 262144 },
        authCheckIntervalMs: { type: 'integer', minimum: 10, default: 10000, description: 'How often MQTT sessions are checked for an expired or revoked token.' },
      },
    },
    auth: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        adminUser: { type: 'string', minLength: 1, default: 'admin' },
        adminPassword: { type: 'string', minLength: 8 },
        tokenTtlS: { type: 'integer', minimum: 60, default: 3600 },
        anonymousDirectory: { type: 'boolean', default: false },
      },
    },
    store: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        synchronous: { enum: ['full', 'normal'], default: 'full', description: 'SQLite synchronous mode; history is batched so FULL costs one fsync per batch.' },
        historyBatchMaxRows: { type: 'integer', minimum: 1, default: 500 },
        historyBatchMaxMs: { type: 'integer', minimum: 1, default: 20 },
        historyBufferMaxRows: { type: 'integer', minimum: 100, default: 100000, description: 'Rows waiting for a batch; beyond it the oldest are dropped and counted.' },
        historyMaxAgeDays: { type: 'number', exclusiveMinimum: 0, default: 30 },
        historyMaxRowsPerThing: { type: 'integer', minimum: 1, default: 100000 },
        retentionIntervalS: { type: 'integer', minimum: 1, default: 300 },
        maxHistoryQueryRows: { type: 'integer', minimum: 1, default: 10000 },
      },
    },
    queue: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        maxItemsPerThing: { type: 'integer', minimum: 1, default: 64, description: 'Pending (queued + sent) items per thing.' },
        overflow: { enum: ['reject', 'drop-oldest'], default: 'reject', description: 'reject: the new item fails with QUEUE_FULL; drop-oldest: the oldest queued item is cancelled.' },
        defaultTtlMs: { type: 'integer', minimum: 1000, default: 86400000 },
        maxTtlMs: { type: 'integer', minimum: 1000, default: 604800000 },
        awakeWindowMs: { type: 'integer', minimum: 1, default: 5000 },
        deliveryTimeoutMs: { type: 'integer', minimum: 1, default: 30000 },
        resultTimeoutMs: { type: 'integer', minimum: 1, default: 30000, description: 'A delivered item whose result does not come by then goes out again at the next wake (up to maxAttempts).' },
        maxAttempts: { type: 'integer', minimum: 1, default: 5 },
        expiryIntervalMs: { type: 'integer', minimum: 10, default: 1000 },
        keepFinishedDays: { type: 'number', exclusiveMinimum: 0, default: 7 },
      },
    },
    onboarding: {
      type: 'object', additionalProperties: false, default: {},
      description: 'Which devices may talk to the gateway (docs/security.md).',
      properties: {
        defaultPolicy: { enum: ['approve', 'manifest', 'open'], default: 'approve', description: 'approve: new devices wait for an admin; manifest: only devices a manifest listed; open: every device is approved (lab use, logged loudly).' },
        policy: { type: 'object', default: {}, additionalProperties: { enum: ['approve', 'manifest', 'open'] }, description: 'Policy per binding name, overriding defaultPolicy.' },
        maxPending: { type: 'integer', minimum: 1, default: 256, description: 'Pending devices kept at most; beyond it a new device is refused (counted).' },
      },
    },
    bus: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        subscriberBuffer: { type: 'integer', minimum: 1, default: 10000 },
      },
    },
    bindings: {
      type: 'object', default: { system: { enabled: true } },
      additionalProperties: {
        type: 'object',
        properties: { enabled: { type: 'boolean', default: true } },
      },
    },
  },
} as const;
