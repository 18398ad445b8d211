/**
 * The one error table of Roost. Every part depends on protocols/, so the table lives here:
 * codecs, bindings and the gateway throw these classes, and every wire (HTTP, CoAP, MQTT)
 * maps an error to its status through the same row. docs/errors.md lists the same table;
 * test/protocols/errors.test.ts fails when the two disagree.
 */

/** One row: stable code, HTTP status, CoAP response code, MQTT 5 reason code. */
export interface ErrorSpec {
  readonly code: string;
  readonly http: number;
  readonly coap: string;
  readonly mqtt: number;
  readonly title: string;
}

// MQTT 5 reason codes (OASIS MQTT 5.0 §2.4): 0x80 unspecified, 0x83 implementation specific,
// 0x86 bad user name or password, 0x87 not authorized, 0x90 topic name invalid,
// 0x95 packet too large, 0x97 quota exceeded, 0x99 payload format invalid.
export const ERROR_TABLE = {
  BAD_REQUEST: { code: 'ROOST_ERR_BAD_REQUEST', http: 400, coap: '4.00', mqtt: 0x99, title: 'Malformed request' },
  CBOR_MALFORMED: { code: 'ROOST_ERR_CBOR_MALFORMED', http: 400, coap: '4.00', mqtt: 0x99, title: 'Malformed CBOR' },
  SENML_INVALID: { code: 'ROOST_ERR_SENML_INVALID', http: 400, coap: '4.00', mqtt: 0x99, title: 'Invalid SenML pack' },
  FRAME_INVALID: { code: 'ROOST_ERR_FRAME_INVALID', http: 400, coap: '4.00', mqtt: 0x99, title: 'Invalid frame' },
  TD_INVALID: { code: 'ROOST_ERR_TD_INVALID', http: 400, coap: '4.00', mqtt: 0x99, title: 'Thing Description does not validate' },
  VALUE_INVALID: { code: 'ROOST_ERR_VALUE_INVALID', http: 400, coap: '4.00', mqtt: 0x99, title: 'Value does not match the data schema' },
  CONFIG_INVALID: { code: 'ROOST_ERR_CONFIG_INVALID', http: 500, coap: '5.00', mqtt: 0x80, title: 'Invalid configuration' },
  UNAUTHENTICATED: { code: 'ROOST_ERR_UNAUTHENTICATED', http: 401, coap: '4.01', mqtt: 0x86, title: 'Missing or bad credentials' },
  FORBIDDEN: { code: 'ROOST_ERR_FORBIDDEN', http: 403, coap: '4.03', mqtt: 0x87, title: 'Not allowed for this role' },
  THING_NOT_FOUND: { code: 'ROOST_ERR_THING_NOT_FOUND', http: 404, coap: '4.04', mqtt: 0x90, title: 'Unknown thing' },
  AFFORDANCE_NOT_FOUND: { code: 'ROOST_ERR_AFFORDANCE_NOT_FOUND', http: 404, coap: '4.04', mqtt: 0x90, title: 'Unknown property, action or event' },
  ACTION_NOT_FOUND: { code: 'ROOST_ERR_ACTION_NOT_FOUND', http: 404, coap: '4.04', mqtt: 0x90, title: 'Unknown action invocation' },
  DEVICE_NOT_FOUND: { code: 'ROOST_ERR_DEVICE_NOT_FOUND', http: 404, coap: '4.04', mqtt: 0x90, title: 'Unknown device or endpoint' },
  ROUTE_NOT_FOUND: { code: 'ROOST_ERR_ROUTE_NOT_FOUND', http: 404, coap: '4.04', mqtt: 0x90, title: 'No such resource' },
  USER_NOT_FOUND: { code: 'ROOST_ERR_USER_NOT_FOUND', http: 404, coap: '4.04', mqtt: 0x80, title: 'Unknown user' },
  METHOD_NOT_ALLOWED: { code: 'ROOST_ERR_METHOD_NOT_ALLOWED', http: 405, coap: '4.05', mqtt: 0x87, title: 'Operation not offered by this affordance' },
  CONFLICT: { code: 'ROOST_ERR_CONFLICT', http: 409, coap: '4.09', mqtt: 0x80, title: 'Conflicts with the current state' },
  ACTION_NOT_CANCELLABLE: { code: 'ROOST_ERR_ACTION_NOT_CANCELLABLE', http: 409, coap: '4.09', mqtt: 0x80, title: 'Action is past the point of cancelling' },
  PRECONDITION_FAILED: { code: 'ROOST_ERR_PRECONDITION_FAILED', http: 412, coap: '4.12', mqtt: 0x80, title: 'Precondition failed' },
  PAYLOAD_TOO_LARGE: { code: 'ROOST_ERR_PAYLOAD_TOO_LARGE', http: 413, coap: '4.13', mqtt: 0x95, title: 'Payload larger than the limit' },
  UNSUPPORTED_MEDIA_TYPE: { code: 'ROOST_ERR_UNSUPPORTED_MEDIA_TYPE', http: 415, coap: '4.15', mqtt: 0x99, title: 'Unsupported content format' },
  RATE_LIMITED: { code: 'ROOST_ERR_RATE_LIMITED', http: 429, coap: '4.29', mqtt: 0x96, title: 'Too many requests' },
  QUEUE_FULL: { code: 'ROOST_ERR_QUEUE_FULL', http: 503, coap: '5.03', mqtt: 0x97, title: 'Action queue of this thing is full' },
  BINDING_UNAVAILABLE: { code: 'ROOST_ERR_BINDING_UNAVAILABLE', http: 503, coap: '5.03', mqtt: 0x88, title: 'Binding or its hardware is unavailable' },
  DEVICE_TIMEOUT: { code: 'ROOST_ERR_DEVICE_TIMEOUT', http: 504, coap: '5.04', mqtt: 0x80, title: 'Device did not answer in time' },
  INTERNAL: { code: 'ROOST_ERR_INTERNAL', http: 500, coap: '5.00', mqtt: 0x80, title: 'Internal error' },
  NO_VALUE: { code: 'ROOST_ERR_NO_VALUE', http: 404, coap: '4.04', mqtt: 0x80, title: 'Property has no value yet' },
  URI_TOO_LONG: { code: 'ROOST_ERR_URI_TOO_LONG', http: 414, coap: '4.02', mqtt: 0x90, title: 'Request target longer than the limit' },
  HEADERS_TOO_LARGE: { code: 'ROOST_ERR_HEADERS_TOO_LARGE', http: 431, coap: '4.13', mqtt: 0x95, title: 'Request line or headers larger than the limit' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorKey = keyof typeof ERROR_TABLE;

/** Base of every typed error: a stable code and the status it has on each wire. */
export class RoostError extends Error {
  readonly key: ErrorKey;
  readonly code: string;
  readonly httpStatus: number;
  readonly coapCode: string;
  readonly mqttReason: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(key: ErrorKey, message?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    const spec: ErrorSpec = ERROR_TABLE[key];
    super(message ?? spec.title, options);
    this.name = new.target.name;
    this.key = key;
    this.code = spec.code;
    this.httpStatus = spec.http;
    this.coapCode = spec.coap;
    this.mqttReason = spec.mqtt;
    this.details = details;
  }
}

type ErrorCtor = new (message?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) => RoostError;

function errorClass(key: ErrorKey, name: string): ErrorCtor {
  const cls = class extends RoostError {
    constructor(message?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
      super(key, message, details, options);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const BadRequestError = errorClass('BAD_REQUEST', 'BadRequestError');
export const CborMalformedError = errorClass('CBOR_MALFORMED', 'CborMalformedError');
export const SenmlInvalidError = errorClass('SENML_INVALID', 'SenmlInvalidError');
export const FrameInvalidError = errorClass('FRAME_INVALID', 'FrameInvalidError');
export const TdInvalidError = errorClass('TD_INVALID', 'TdInvalidError');
export const ValueInvalidError = errorClass('VALUE_INVALID', 'ValueInvalidError');
export const ConfigInvalidError = errorClass('CONFIG_INVALID', 'ConfigInvalidError');
export const UnauthenticatedError = errorClass('UNAUTHENTICATED', 'UnauthenticatedError');
export const ForbiddenError = errorClass('FORBIDDEN', 'ForbiddenError');
export const ThingNotFoundError = errorClass('THING_NOT_FOUND', 'ThingNotFoundError');
export const AffordanceNotFoundError = errorClass('AFFORDANCE_NOT_FOUND', 'AffordanceNotFoundError');
export const ActionNotFoundError = errorClass('ACTION_NOT_FOUND', 'ActionNotFoundError');
export const DeviceNotFoundError = errorClass('DEVICE_NOT_FOUND', 'DeviceNotFoundError');
export const RouteNotFoundError = errorClass('ROUTE_NOT_FOUND', 'RouteNotFoundError');
export const UserNotFoundError = errorClass('USER_NOT_FOUND', 'UserNotFoundError');
export const MethodNotAllowedError = errorClass('METHOD_NOT_ALLOWED', 'MethodNotAllowedError');
export const ConflictError = errorClass('CONFLICT', 'ConflictError');
export const ActionNotCancellableError = errorClass('ACTION_NOT_CANCELLABLE', 'ActionNotCancellableError');
export const PreconditionFailedError = errorClass('PRECONDITION_FAILED', 'PreconditionFailedError');
export const PayloadTooLargeError = errorClass('PAYLOAD_TOO_LARGE', 'PayloadTooLargeError');
export const UnsupportedMediaTypeError = errorClass('UNSUPPORTED_MEDIA_TYPE', 'UnsupportedMediaTypeError');
export const RateLimitedError = errorClass('RATE_LIMITED', 'RateLimitedError');
export const QueueFullError = errorClass('QUEUE_FULL', 'QueueFullError');
export const BindingUnavailableError = errorClass('BINDING_UNAVAILABLE', 'BindingUnavailableError');
export const DeviceTimeoutError = errorClass('DEVICE_TIMEOUT', 'DeviceTimeoutError');
export const InternalError = errorClass('INTERNAL', 'InternalError');
export const NoValueError = errorClass('NO_VALUE', 'NoValueError');
export const UriTooLongError = errorClass('URI_TOO_LONG', 'UriTooLongError');
export const HeadersTooLargeError = errorClass('HEADERS_TOO_LARGE', 'HeadersTooLargeError');

/** Wraps anything thrown into a RoostError (unknown errors become INTERNAL, message kept off the wire). */
export function toRoostError(err: unknown): RoostError {
  if (err instanceof RoostError) return err;
  return new InternalError(undefined, undefined, { cause: err });
}
