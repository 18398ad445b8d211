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
        enabled: { type: 'boolean', default: true, description: 'Plain HTTP on http.port; false leaves only HTTPS (tls.enabled).' },
        redirectToHttps: { type: 'boolean', default: false, description: 'Plain HTTP answers every request with a 308 to the same path over HTTPS (healthz excepted).' },
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
        plain: { type: 'boolean', default: true, description: 'Plain MQTT on mqtt.port; false leaves only MQTTS on mqtt.tlsPort (tls.enabled).' },
        tlsPort: { type: 'integer', minimum: 0, maximum: 65535, default: 8883, description: 'MQTT over TLS, when tls.enabled.' },
        publicBaseUrl: { type: 'string', description: 'mqtt:// base URL written into consumer TD forms.' },
        websocket: { type: 'boolean', default: true },
        maxPacketBytes: { type: 'integer', minimum: 1024, default: 262144 },
        authCheckIntervalMs: { type: 'integer', minimum: 10, default: 10000, description: 'How often MQTT sessions are checked for an expired or revoked token.' },
        maxQueuedBytesPerClient: { type: 'integer', minimum: 16384, default: 1048576, description: 'Bytes of QoS 0 packets that may wait for one slow subscriber before its deliveries hold the publisher (nothing is dropped).' },
        drainTimeoutMs: { type: 'integer', minimum: 100, default: 10000, description: 'A subscriber whose socket does not drain for this long is disconnected.' },
        connectTimeoutMs: { type: 'integer', minimum: 100, default: 10000, description: 'A connection that sends no CONNECT for this long is closed.' },
        maxStoredSessionsPerUser: { type: 'integer', minimum: 1, default: 32, description: 'Stored sessions (Clean Session 0) one user may hold; a CONNECT for one more is refused with return code 2.' },
        maxQueuedPerSession: { type: 'integer', minimum: 1, default: 1000, description: 'QoS 1 messages kept for one stored session, offline or unacknowledged; beyond that they are dropped and counted.' },
        homeAssistantDiscovery: { type: 'boolean', default: true, description: 'Publish Home Assistant MQTT discovery messages under homeassistant/ (docs/mqtt.md).' },
      },
    },
    availability: {
      type: 'object', additionalProperties: false, default: {},
      description: 'Online/offline per thing (docs/mqtt.md "Availability").',
      properties: {
        missedWakes: { type: 'integer', minimum: 1, default: 3, description: 'A sleepy device that missed this many wakes of its schedule is offline.' },
        sleepyIntervalMs: { type: 'integer', minimum: 0, default: 0, description: 'Wake interval assumed for a sleepy device until it has shown a schedule (docs/mqtt.md "Availability"); 0: none (online until the binding says otherwise).' },
        checkIntervalMs: { type: 'integer', minimum: 10, default: 1000, description: 'How often sleepy devices are checked against their schedule.' },
      },
    },
    uplink: {
      type: 'object', additionalProperties: false, default: {},
      description: 'One connection to an upstream MQTT broker with store-and-forward (docs/uplink.md). PATCH /config saves changes of this section; they take effect at the next start.',
      properties: {
        enabled: { type: 'boolean', default: false },
        url: { type: 'string', description: 'mqtt://host:port or mqtts://host:port of the upstream broker.' },
        username: { type: 'string' },
        password: { type: 'string' },
        clientId: { type: 'string', description: 'MQTT client id; default roost-<gatewayId>.' },
        gatewayId: { type: 'string', minLength: 1, pattern: '^[^/+#]+$', description: 'This gateway in upstream topics; default the host name.' },
        prefix: { type: 'string', default: 'roost', pattern: '^[^+#]*$', description: 'First topic levels upstream (may be empty).' },
        profile: { enum: ['roost', 'hono'], default: 'roost', description: 'roost: the gateway topic tree under prefix/gatewayId; hono: Eclipse Hono MQTT adapter topics as a gateway.' },
        protocolVersion: { enum: [4, 5], default: 4, description: 'MQTT 3.1.1 (4) or 5.' },
        role: { enum: ['admin', 'operator', 'agent', 'viewer'], default: 'operator', description: 'Role of requests coming down from upstream.' },
        tls: {
          type: 'object', additionalProperties: false, default: {},
          properties: {
            ca: { type: 'string', description: 'File of the CA certificate(s) to trust (PEM).' },
            cert: { type: 'string', description: 'File of the client certificate (PEM).' },
            key: { type: 'string', description: 'File of the client key (PEM).' },
            rejectUnauthorized: { type: 'boolean', default: true },
          },
        },
        keepaliveS: { type: 'integer', minimum: 0, default: 30 },
        telemetryQos: { enum: [0, 1], default: 1, description: 'QoS of live property values and events (replay is always QoS 1; hono: telemetry QoS).' },
        homeAssistantDiscovery: { type: 'boolean', default: false, description: 'Publish Home Assistant discovery upstream too.' },
        reconnectMinMs: { type: 'integer', minimum: 10, default: 1000 },
        reconnectMaxMs: { type: 'integer', minimum: 10, default: 60000 },
        maxInFlight: { type: 'integer', minimum: 1, default: 100, description: 'QoS 1 publishes awaiting PUBACK.' },
        replayShare: { type: 'number', minimum: 0.05, maximum: 1, default: 0.5, description: 'Share of the in-flight window the backlog may use while live messages wait.' },
        buffer: {
          type: 'object', additionalProperties: false, default: {},
          properties: {
            maxBytes: { type: 'integer', minimum: 1024, default: 268435456, description: 'Backlog size (payload bytes) kept; beyond, the oldest is dropped and counted.' },
            maxAgeMs: { type: 'integer', minimum: 1000, default: 604800000, description: 'Backlog older than this is dropped and counted.' },
          },
        },
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
        historyBatchMaxRows: { type: 'integer', minimum: 1, default: 5000, description: 'Most rows in one history transaction; under sustained load a batch holds what arrives in historyBatchMaxMs up to this.' },
        historyBatchMaxMs: { type: 'integer', minimum: 1, default: 20 },
        historyBufferMaxRows: { type: 'integer', minimum: 100, default: 100000, description: 'Rows waiting for a batch; beyond it the oldest are dropped and counted.' },
        historyMaxAgeDays: { type: 'number', exclusiveMinimum: 0, default: 30 },
        historyMaxRowsPerThing: { type: 'integer', minimum: 1, default: 100000 },
        retentionIntervalS: { type: 'integer', minimum: 1, default: 300 },
        maxHistoryQueryRows: { type: 'integer', minimum: 1, default: 10000 },
        walAutocheckpointPages: { type: 'integer', minimum: 1, default: 500, description: 'SQLite checkpoints the WAL into the database after this many pages (wal_autocheckpoint).' },
        journalSizeLimitBytes: { type: 'integer', minimum: 0, default: 2097152, description: 'After a checkpoint the WAL file is cut back to this size (journal_size_limit): with walAutocheckpointPages it bounds the WAL on a small data partition.' },
      },
    },
    backup: {
      type: 'object', additionalProperties: false, default: {},
      description: 'Scheduled backups into the data partition (docs/backup.md "Scheduled backups").',
      properties: {
        schedule: { type: 'string', default: 'off', pattern: '^(off|every [1-9][0-9]{0,5}[smh]|daily ([01][0-9]|2[0-3]):[0-5][0-9])$', description: '"off", "every N[s|m|h]" or "daily HH:MM" (the gateway\'s local time).' },
        keep: { type: 'integer', minimum: 1, maximum: 1000, default: 7, description: 'Scheduled archives kept; the oldest beyond it are deleted.' },
        dir: { type: 'string', minLength: 1, default: 'backups', description: 'Folder of the archives, relative to dataDir (never itself in a backup).' },
        passphraseFile: { type: 'string', minLength: 1, description: 'File whose first line is the passphrase; else ROOST_BACKUP_PASSPHRASE.' },
      },
    },
    update: {
      type: 'object', additionalProperties: false, default: {},
      description: 'Signed updates over the network, POST /update (docs/image.md "Updates over the network").',
      properties: {
        trustedKeysDir: { type: 'string', minLength: 1, default: '/usr/share/roost/update-keys', description: 'Folder of trusted Ed25519 keys, <keyId>.pub.' },
        maxBytes: { type: 'integer', minimum: 1024, default: 2147483648, description: 'Largest update file accepted.' },
        keepFreeBytes: { type: 'integer', minimum: 0, default: 67108864, description: 'Room the data partition keeps besides an upload; a bigger upload is refused.' },
        rebootDelayMs: { type: 'integer', minimum: 0, default: 2000, description: 'Time between the answer to POST /update and the reboot into the trial slot.' },
      },
    },
    disk: {
      type: 'object', additionalProperties: false, default: {},
      description: 'A full data partition (docs/durability.md "A full disk"): history is pruned oldest-first before anything else is refused.',
      properties: {
        intervalMs: { type: 'integer', minimum: 10, default: 30000, description: 'How often the free space is read.' },
        lowFreeBytes: { type: 'integer', minimum: 0, default: 67108864, description: 'Below this, history is pruned and diskLow fires.' },
        resumeFreeBytes: { type: 'integer', minimum: 0, default: 100663296, description: 'Pruning goes on until this much is free.' },
        pruneBatchRows: { type: 'integer', minimum: 1, default: 5000 },
        reserveBytes: { type: 'integer', minimum: 0, default: 4194304, description: 'A file kept in the data dir and given up when a prune itself meets a full disk; keep it above the WAL\'s bound (store.walAutocheckpointPages pages, store.journalSizeLimitBytes) so a checkpoint fits in it.' },
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
        maxOpenDevices: { type: 'integer', minimum: 1, default: 20000, description: 'Devices the open policy approved, kept at most; beyond it a new device is refused (counted).' },
      },
    },
    tls: {
      type: 'object', additionalProperties: false, default: {},
      description: 'HTTPS, MQTTS and MQTT over WSS with the gateway\'s own certificate (docs/operations.md "TLS").',
      properties: {
        enabled: { type: 'boolean', default: false, description: '`roost start` and the image turn it on; an embedded gateway has it off unless asked.' },
        httpsPort: { type: 'integer', minimum: 0, maximum: 65535, default: 8443 },
        cert: { type: 'string', description: 'PEM certificate chain file; default <dataDir>/tls/gateway.crt, made self-signed on first start.' },
        key: { type: 'string', description: 'PEM private key file; default <dataDir>/tls/gateway.key.' },
        hostnames: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: 'Extra DNS names or addresses for the self-signed certificate (the host name, <host>.local, localhost and the interface addresses are always in).' },
        validityDays: { type: 'integer', minimum: 1, maximum: 3650, default: 825 },
      },
    },
    discovery: {
      type: 'object', additionalProperties: false, default: {},
      description: 'Finding the box on the LAN: DNS-SD over mDNS (docs/operations.md "Finding the box"). Changes apply live.',
      properties: {
        mdns: { type: 'boolean', default: false, description: 'Advertise _wot._tcp (the directory), _https._tcp, _http._tcp, _mqtt._tcp, _secure-mqtt._tcp and _coap._udp for the listeners that are on and not bound to loopback. `roost start` and the image turn it on.' },
        instanceName: { type: 'string', minLength: 1, maxLength: 63, description: 'DNS-SD instance name of every service; default "Roost <host name>".' },
        hostname: { type: 'string', minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9-]+$', description: 'mDNS host name (<hostname>.local); default the system\'s host name.' },
        interface: { type: 'string', pattern: '^\\d{1,3}(\\.\\d{1,3}){3}$', description: 'IPv4 address of the one interface to advertise on; default every interface.' },
      },
    },
    detect: {
      type: 'object', additionalProperties: false, default: {},
      description: 'Hardware detection: bindings for USB serial adapters, Zigbee coordinators and Bluetooth controllers the config does not name (docs/operations.md).',
      properties: {
        enabled: { type: 'boolean', default: false, description: '`roost start` and the image turn it on.' },
        sysDir: { type: 'string', default: '/sys' },
        devDir: { type: 'string', default: '/dev' },
        scanIntervalMs: { type: 'integer', minimum: 0, default: 2000, description: 'Rescan for hot-plugged adapters (0: only at start).' },
      },
    },
    rules: {
      type: 'object', additionalProperties: false, default: {},
      description: 'Rules and notifications (docs/rules.md): limits of what rules may do.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'false: rules are kept and managed but none runs.' },
        maxRules: { type: 'integer', minimum: 0, default: 100, description: 'Rules kept at most; beyond it a new rule is refused (409).' },
        maxFiresPerMinute: { type: 'integer', minimum: 1, default: 6, description: 'Firings per rule per minute at most (token bucket); more are suppressed and counted. A rule may ask for fewer.' },
        checkIntervalMs: { type: 'integer', minimum: 10, default: 1000, description: 'How often offline and schedule triggers are checked.' },
        webhookTimeoutMs: { type: 'integer', minimum: 100, default: 5000, description: 'Each webhook POST is abandoned after this long.' },
        webhookRetries: { type: 'integer', minimum: 0, maximum: 10, default: 3, description: 'Attempts after the first on a 5xx, 408, 429, timeout or network error.' },
        webhookBackoffMs: { type: 'integer', minimum: 0, default: 1000, description: 'Wait before the first retry, doubled for each further one.' },
        maxWebhookBodyBytes: { type: 'integer', minimum: 256, default: 65536, description: 'Largest webhook body; a bigger notification fails the action.' },
        maxWebhooksInFlight: { type: 'integer', minimum: 1, default: 16, description: 'Webhook deliveries (with their retries) running at once; beyond it a delivery fails at once.' },
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
      // Bindings with no hardware of their own are on unless a config turns them off.
      properties: {
        agent: { type: 'object', default: { enabled: true }, properties: { enabled: { type: 'boolean', default: true } }, description: 'Bindings out of process: agent users over MQTT (docs/agents.md).' },
        ingest: { type: 'object', default: { enabled: true }, properties: { enabled: { type: 'boolean', default: true } }, description: 'Device ingest in the TUM iotplatform format (POST /ingest, docs/api.md).' },
      },
      additionalProperties: {
        type: 'object',
        properties: { enabled: { type: 'boolean', default: true } },
      },
    },
  },
} as const;
