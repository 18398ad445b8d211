/** Options of the CoAP binding (config section `bindings.coap`), every limit with its unit. */
import type { FromSchema } from '../../gateway/binding.js';

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', default: '0.0.0.0' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 5683 },
    ackTimeoutMs: { type: 'integer', minimum: 10, default: 2000 },
    maxRetransmit: { type: 'integer', minimum: 0, maximum: 10, default: 4 },
    exchangeLifetimeMs: { type: 'integer', minimum: 1000, default: 247000 },
    nonLifetimeMs: { type: 'integer', minimum: 1000, default: 145000 },
    maxExchanges: { type: 'integer', minimum: 16, default: 20000 },
    maxPayloadBytes: { type: 'integer', minimum: 64, default: 16384 },
    blockSizeBytes: { type: 'integer', enum: [16, 32, 64, 128, 256, 512, 1024], default: 1024 },
    maxBlockTransfers: { type: 'integer', minimum: 1, default: 256 },
    blockTransferTimeoutMs: { type: 'integer', minimum: 100, default: 60000 },
    separateResponseTimeoutMs: { type: 'integer', minimum: 100, default: 30000 },
    defaultLifetimeS: { type: 'integer', minimum: 1, default: 90000, description: 'RFC 9176 §5.3: lifetime when the registration names none (90000 s), and its bounds.' },
    minLifetimeS: { type: 'integer', minimum: 1, default: 1 },
    maxLifetimeS: { type: 'integer', minimum: 1, default: 4294967 },
    maxRegistrations: { type: 'integer', minimum: 1, default: 20000 },
    maxLinksPerRegistration: { type: 'integer', minimum: 1, default: 64 },
    registrationsPerMinutePerAddress: { type: 'integer', minimum: 1, default: 60, description: 'Registrations accepted per source address per minute (token bucket); more get 4.29.' },
    awakeWindowMs: { type: 'integer', minimum: 1, default: 5000, description: 'Awake window a sleepy device\'s uplink opens.' },
    maxObservers: { type: 'integer', minimum: 0, default: 1024 },
    maxObserversPerAddress: { type: 'integer', minimum: 0, default: 8, description: 'Observers one source address may hold (a spoofed source must not multiply notifications).' },
    maxNotificationsPerSecondPerObserver: { type: 'integer', minimum: 1, default: 10, description: 'Notifications per second one observer gets at most; a value held back goes out later, the newest winning.' },
    expirySweepMs: { type: 'integer', minimum: 10, default: 1000, description: 'How often registration lifetimes are checked.' },
    maxSenmlRecords: { type: 'integer', minimum: 1, default: 256 },
    security: { enum: ['required', 'optional', 'none'], default: 'none', description: 'OSCORE (RFC 8613), docs/protocols/coap.md "Security": `required` refuses every plain request but GET /.well-known/core; `optional` accepts plain requests only from devices without a security context; `none` turns OSCORE off (a protected request gets 4.02).' },
    oscoreSequenceBlock: { type: 'integer', minimum: 1, maximum: 65536, default: 64, description: 'K of RFC 8613 Appendix B.1.1: the gateway\'s sender sequence numbers per durable write.' },
    edhocMethods: { type: 'array', items: { enum: [0, 1, 2, 3] }, minItems: 1, default: [0, 3], description: 'EDHOC (RFC 9528) at /.well-known/edhoc, unless security is none: methods and cipher suites accepted.' },
    edhocSuites: { type: 'array', items: { enum: [0, 2] }, minItems: 1, default: [2, 0] },
    edhocMaxSessions: { type: 'integer', minimum: 1, maximum: 65536, default: 256, description: 'Half-open EDHOC sessions (message_2 sent, message_3 awaited) kept at most; the oldest is evicted (counted).' },
    edhocCredentialBy: { enum: ['value', 'kid'], default: 'value', description: 'How message_2 names the gateway\'s credential: by value (a device pinning a fingerprint needs it) or by kid.' },
    multicast: { type: 'boolean', default: false, description: 'RFC 9176 §4: join All CoAP Nodes (224.0.1.187, ff02::fd, ff05::fd) on the CoAP port and answer GET /.well-known/core?rt=core.rd* with the directory\'s link; other multicast requests get no answer. `roost start` and the image turn it on.' },
    multicastInterfaces: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: 'Interface names to join on; [] = every interface where host listens (all for 0.0.0.0; none for loopback).' },
    multicastLeisureMs: { type: 'integer', minimum: 0, maximum: 60000, default: 5000, description: 'RFC 7252 §8.2 Leisure: an answer to a multicast request waits a random time below this (DEFAULT_LEISURE 5 s).' },
    multicastMaxPendingAnswers: { type: 'integer', minimum: 1, default: 64, description: 'Multicast answers waiting for their leisure at most; more requests are dropped (counted).' },
    multicastRescanMs: { type: 'integer', minimum: 0, default: 10000, description: 'How often interfaces that came up since are joined (0: only at start).' },
    lwm2mAwakeWindowMs: { type: 'integer', minimum: 1, default: 93000, description: 'LwM2M Queue Mode awake window after each uplink (TS Core §6.5: at least MAX_TRANSMIT_WAIT, RFC 7252 §4.8.2, 93 s with the default transmission parameters).' },
    lwm2mDefaultLifetimeS: { type: 'integer', minimum: 1, default: 86400, description: 'LwM2M lifetime when a Register names none (TS Core §6.2.1: 86400 s).' },
    lwm2mObjectsDir: { type: 'string', default: '', description: 'Folder of operator OMA object XML files (\'\' = `<dataDir>/lwm2m/objects`).' },
    lwm2mFirmwareDir: { type: 'string', default: '', description: 'Folder of firmware images (\'\' = `<dataDir>/firmware`).' },
    lwm2mMaxPackageBytes: { type: 'integer', minimum: 1, default: 8388608 },
    lwm2mPackageBaseUri: { type: 'string', default: '', description: 'Base of the package URI a pulling device gets (\'\' = `coap://<listening address>:<port>`).' },
    lwm2mFirmwarePollMs: { type: 'integer', minimum: 10, default: 1000, description: 'How often a firmware job reads object 5\'s State while the device is awake and busy.' },
  },
} as const;

/** The options as the config loader hands them over: derived from the schema, declared nowhere else. */
export type CoapOptions = FromSchema<typeof optionsSchema>;

/** Defaults from the schema, for callers that build the binding without the config loader. */
export function coapOptions(partial: Partial<CoapOptions> = {}): CoapOptions {
  const d = Object.fromEntries(Object.entries(optionsSchema.properties).map(([k, v]) => [k, v.default]));
  return { ...d, ...partial } as CoapOptions;
}
