/**
 * Message types of the serial protocol as data (docs/protocols/serial.md "Messages"): each row
 * names its type code, direction and the CBOR map fields of its payload. One generic codec reads
 * the table; telemetry carries a SenML+CBOR pack (RFC 8428 §6) instead of a map. Pure.
 */
import { decodeCbor, encodeCbor } from '../cbor.js';
import { FrameInvalidError } from '../errors.js';
import { decodeSenmlCbor, encodeSenmlCbor, type SenmlRecord } from '../senml/index.js';
import type { SerialFrame } from './serial-frame.js';
import { checkDescription, type Description } from './serial-describe.js';

export type FieldType = 'text' | 'uint' | 'bool' | 'bytes' | 'map' | 'textArray' | 'any';

interface FieldSpec {
  readonly type: FieldType;
  readonly required?: true;
}

/** Who sends it: `up` device to gateway, `down` gateway to device. */
export type Direction = 'up' | 'down' | 'both';

interface MessageSpec {
  readonly code: number;
  readonly dir: Direction;
  /** `map`: a CBOR map with `fields`; `senml`: a SenML+CBOR pack; `none`: empty. */
  readonly body: 'map' | 'senml' | 'none';
  readonly fields?: Readonly<Record<string, FieldSpec>>;
  /** An empty payload is a request for this message (the peer answers with a full one). */
  readonly emptyIsRequest?: true;
}

const req = { required: true } as const;

export const MESSAGE_TABLE = {
  ack: { code: 0x00, dir: 'both', body: 'none' },
  hello: { code: 0x01, dir: 'both', body: 'map', emptyIsRequest: true,
    fields: { id: { type: 'text', ...req }, fw: { type: 'text', ...req }, pv: { type: 'uint', ...req }, s: { type: 'bool' }, o: { type: 'textArray' } } },
  time: { code: 0x02, dir: 'both', body: 'map', emptyIsRequest: true, fields: { t: { type: 'uint', ...req }, ms: { type: 'uint' } } },
  describe: { code: 0x03, dir: 'both', body: 'map', emptyIsRequest: true,
    fields: { t: { type: 'text' }, p: { type: 'map' }, a: { type: 'map' }, e: { type: 'map' } } },
  telemetry: { code: 0x04, dir: 'up', body: 'senml' },
  write: { code: 0x05, dir: 'down', body: 'map', fields: { i: { type: 'text', ...req }, n: { type: 'text', ...req }, v: { type: 'any', ...req } } },
  invoke: { code: 0x06, dir: 'down', body: 'map', fields: { i: { type: 'text', ...req }, n: { type: 'text', ...req }, v: { type: 'any' } } },
  result: { code: 0x07, dir: 'up', body: 'map', fields: { i: { type: 'text', ...req }, s: { type: 'uint', ...req }, o: { type: 'any' }, e: { type: 'text' } } },
  sleep: { code: 0x08, dir: 'up', body: 'map', fields: { ms: { type: 'uint' } } },
  wake: { code: 0x09, dir: 'up', body: 'map', fields: {} },
  log: { code: 0x0a, dir: 'up', body: 'map', fields: { l: { type: 'uint', ...req }, m: { type: 'text', ...req } } },
  provision: { code: 0x0b, dir: 'down', body: 'map', fields: { i: { type: 'text', ...req }, id: { type: 'text' }, k: { type: 'bytes' }, c: { type: 'map' } } },
} as const satisfies Record<string, MessageSpec>;

export type MessageKind = keyof typeof MESSAGE_TABLE;

export const KIND_BY_CODE: ReadonlyMap<number, MessageKind> = new Map(
  (Object.entries(MESSAGE_TABLE) as Array<[MessageKind, MessageSpec]>).map(([k, s]) => [s.code, k]),
);

/** Device ids (hello `id`, provision `id`): also the last part of the thing id. */
export const DEVICE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Protocol version this codec speaks (hello `pv`). */
export const PROTOCOL_VERSION = 1;

export interface HelloBody { id: string; fw: string; pv: number; s?: boolean; o?: string[] }
export interface TimeBody { t: number; ms?: number }
export interface WriteBody { i: string; n: string; v: unknown }
export interface InvokeBody { i: string; n: string; v?: unknown }
/** `s`: 0 done; any other value is a device error code, `e` its text. */
export interface ResultBody { i: string; s: number; o?: unknown; e?: string }
export interface SleepBody { ms?: number }
/** `l`: 0 debug, 1 info, 2 warning, 3 error. */
export interface LogBody { l: number; m: string }
export interface ProvisionBody { i: string; id?: string; k?: Uint8Array; c?: Record<string, unknown> }

/** A decoded message. `null` bodies are requests (an empty payload: "send me yours"). */
export type SerialMessage =
  | { kind: 'ack' }
  | { kind: 'hello'; body: HelloBody | null }
  | { kind: 'time'; body: TimeBody | null }
  | { kind: 'describe'; body: Description | null }
  | { kind: 'telemetry'; records: SenmlRecord[] }
  | { kind: 'write'; body: WriteBody }
  | { kind: 'invoke'; body: InvokeBody }
  | { kind: 'result'; body: ResultBody }
  | { kind: 'sleep'; body: SleepBody }
  | { kind: 'wake'; body: Record<string, never> }
  | { kind: 'log'; body: LogBody }
  | { kind: 'provision'; body: ProvisionBody };

export interface CodecLimits {
  /** SenML records in one telemetry pack. */
  maxSenmlRecords?: number;
}

/** Type code and payload of a message. Throws FrameInvalidError on a bad body. */
export function encodeMessage(msg: SerialMessage): { type: number; payload: Buffer } {
  const spec: MessageSpec = MESSAGE_TABLE[msg.kind];
  if (msg.kind === 'ack') return { type: spec.code, payload: Buffer.alloc(0) };
  if (msg.kind === 'telemetry') return { type: spec.code, payload: encodeSenmlCbor(msg.records) };
  if (msg.body === null) return { type: spec.code, payload: Buffer.alloc(0) };
  const body = stripUndefined(msg.body as Record<string, unknown>);
  checkFields(msg.kind, spec, body);
  if (msg.kind === 'describe') checkDescription(body as Description);
  return { type: spec.code, payload: encodeCbor(body) };
}

/** Decodes a frame's payload by its type. Throws FrameInvalidError, CborMalformedError, SenmlInvalidError. */
export function decodeMessage(frame: SerialFrame, limits: CodecLimits = {}): SerialMessage {
  const kind = KIND_BY_CODE.get(frame.type);
  if (!kind) throw new FrameInvalidError(`unknown message type 0x${frame.type.toString(16).padStart(2, '0')}`, { reason: 'type', type: frame.type });
  const spec: MessageSpec = MESSAGE_TABLE[kind];
  if (spec.body === 'none') {
    if (frame.payload.length) throw new FrameInvalidError(`${kind} carries no payload`, { reason: 'payload', kind });
    return { kind: 'ack' };
  }
  if (spec.body === 'senml') {
    return { kind: 'telemetry', records: decodeSenmlCbor(frame.payload, { maxRecords: limits.maxSenmlRecords ?? 256 }) };
  }
  if (frame.payload.length === 0) {
    if (spec.emptyIsRequest) return { kind, body: null } as SerialMessage;
    if (kind === 'wake') return { kind, body: {} };
  }
  const body = decodeCbor(frame.payload);
  if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) {
    throw new FrameInvalidError(`${kind}: payload must be a CBOR map`, { reason: 'payload', kind });
  }
  const rec = normalize(body as Record<string, unknown>);
  checkFields(kind, spec, rec);
  if (kind === 'describe') checkDescription(rec as Description);
  return { kind, body: rec } as SerialMessage;
}

/** 64-bit CBOR integers decode as bigint: fold them back to numbers where they are safe. */
function normalize(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) out[k] = typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= 0n ? Number(v) : v;
  return out;
}

function stripUndefined(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

function checkFields(kind: string, spec: MessageSpec, body: Record<string, unknown>): void {
  const fields = spec.fields ?? {};
  for (const [name, f] of Object.entries(fields)) {
    const v = body[name];
    if (v === undefined) {
      if (f.required) throw new FrameInvalidError(`${kind}: field "${name}" is required`, { reason: 'payload', kind, field: name });
      continue;
    }
    if (!typeOk(f.type, v)) throw new FrameInvalidError(`${kind}: field "${name}" must be ${f.type}`, { reason: 'payload', kind, field: name });
  }
  // Unknown fields are ignored (a newer peer may add some): docs/protocols/serial.md "Versioning".
}

function typeOk(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'text':
      return typeof v === 'string';
    case 'uint':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    case 'bool':
      return typeof v === 'boolean';
    case 'bytes':
      return v instanceof Uint8Array;
    case 'map':
      return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
    case 'textArray':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'any':
      return true;
  }
}
