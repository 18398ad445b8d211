/**
 * The payload of an MQTT request (action invocation or property write), pure. MQTT 3.1.1 has no
 * response topic or correlation data (MQTT 5 §3.3.2.3.5-6), so Roost carries them in the payload:
 *
 *   {"input": <action input>, "responseTopic": "replies/alice/1", "correlationData": "42"}
 *   {"value": <property value>, "responseTopic": "replies/alice/1", "correlationData": "42"}
 *
 * A payload is such an envelope only when it is a JSON object with a string `responseTopic` and no
 * keys but those three; anything else is the plain input or value (what node-wot publishes), and
 * no reply is sent. An empty payload is an action without input.
 */
import { BadRequestError, type RoostError } from '../../protocols/errors.js';
import { DEFAULT_MAX_JSON_DEPTH } from '../api/http-options.js';
import { jsonDeeperThan } from '../api/json-depth.js';

export interface MqttRequest {
  /** Present unless the payload was empty (or the envelope had no input/value). */
  value?: unknown;
  responseTopic?: string;
  /** Any JSON value, echoed unchanged in every reply. */
  correlationData?: unknown;
  /** Set when the request is refused though its envelope could be read (the refusal goes to its response topic). */
  refused?: RoostError;
}

const ENVELOPE_KEYS = { action: 'input', write: 'value' } as const;

function isEnvelope(v: unknown, valueKey: string): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (typeof o['responseTopic'] !== 'string') return false;
  return Object.keys(o).every((k) => k === valueKey || k === 'responseTopic' || k === 'correlationData');
}

/**
 * Parses a request payload; a malformed one answers the error it deserves. Nesting is bounded
 * (maxDepth arrays and objects, the envelope included), as over HTTP: V8's JSON.parse takes any
 * depth, but everything that walks the value afterwards recurses.
 */
export function parseRequest(payload: Uint8Array, kind: 'action' | 'write', maxDepth = DEFAULT_MAX_JSON_DEPTH): MqttRequest | RoostError {
  if (payload.length === 0) {
    return kind === 'action' ? {} : new BadRequestError('a property write needs a JSON value');
  }
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return new BadRequestError('payload is not JSON');
  }
  const key = ENVELOPE_KEYS[kind];
  const tooDeep = jsonDeeperThan(text, maxDepth) ? new BadRequestError(`JSON nested deeper than ${maxDepth} levels`) : undefined;
  if (!isEnvelope(v, key)) return tooDeep ?? { value: v };
  const req: MqttRequest = { responseTopic: v['responseTopic'] as string };
  // Without its correlation data: that may be the part nested too deep to echo.
  if (tooDeep) return { ...req, refused: tooDeep };
  if (key in v) req.value = v[key];
  if ('correlationData' in v) req.correlationData = v['correlationData'];
  if (kind === 'write' && !('value' in req)) return new BadRequestError('a property write envelope needs "value"');
  return req;
}

/** What a reply carries: a state of the queued item, or the typed error that refused the request. */
export type Reply =
  | { correlationData?: unknown; actionId: string; state: string; output?: unknown; error?: string; action?: unknown }
  | { correlationData?: unknown; error: { code: string; reason: number; message: string } };

export function errorReply(req: MqttRequest, err: RoostError): Reply {
  return { ...correlation(req), error: { code: err.code, reason: err.mqttReason, message: err.message } };
}

export function correlation(req: MqttRequest): { correlationData?: unknown } {
  return 'correlationData' in req ? { correlationData: req.correlationData } : {};
}
