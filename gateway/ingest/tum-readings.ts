/**
 * The TUM iotplatform gateways' reading format, pure: one object or an array of
 * `{"sensor_id", "timestamp", "value"}`. `sensor_id` is an integer or a name (it becomes the
 * property name of the device's thing); `timestamp` is epoch seconds or milliseconds (a number
 * below 1e11 is seconds: 1e11 s is the year 5138, 1e11 ms is 1973); `value` a number, boolean or
 * string. Throws BadRequestError naming the first bad element.
 */
import { BadRequestError, PayloadTooLargeError } from '../../protocols/errors.js';

export interface Reading {
  /** Property name of the sensor on the device's thing. */
  sensor: string;
  /** Epoch milliseconds. */
  ts: number;
  value: number | boolean | string;
}

/** Property names a sensor id may become (safe in URLs, topics and TDs). */
export const SENSOR_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** Timestamps below this are seconds, from it on milliseconds. */
export const SECONDS_BELOW = 1e11;

export function parseReadings(body: unknown, maxReadings: number): Reading[] {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw new BadRequestError('no readings: send one object or a non-empty array');
  if (items.length > maxReadings) throw new PayloadTooLargeError(`${items.length} readings in one request; at most ${maxReadings}`);
  return items.map((item, i) => parseReading(item, Array.isArray(body) ? `[${i}]` : 'body'));
}

function parseReading(item: unknown, where: string): Reading {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new BadRequestError(`${where}: a reading is an object {sensor_id, timestamp, value}`);
  const r = item as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => k !== 'sensor_id' && k !== 'timestamp' && k !== 'value');
  if (extra.length > 0) throw new BadRequestError(`${where}: unknown field ${extra[0]}`);
  const id = r['sensor_id'];
  const sensor = typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? String(id) : typeof id === 'string' ? id : undefined;
  if (sensor === undefined || !SENSOR_NAME.test(sensor)) throw new BadRequestError(`${where}.sensor_id: a non-negative integer or a name matching ${SENSOR_NAME.source}`);
  const t = r['timestamp'];
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) throw new BadRequestError(`${where}.timestamp: epoch seconds or milliseconds, a positive number`);
  const ts = Math.round(t < SECONDS_BELOW ? t * 1000 : t);
  const value = r['value'];
  if (!((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || typeof value === 'string')) {
    throw new BadRequestError(`${where}.value: a number, boolean or string`);
  }
  return { sensor, ts, value };
}

/** The TD data type a value gives its sensor on first sight. */
export function typeOf(value: Reading['value']): 'number' | 'boolean' | 'string' {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string';
}
