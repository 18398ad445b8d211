/**
 * The `http` options of live reads and JSON bodies; config-schema.ts gives them their defaults,
 * the fallbacks here cover a config object built without the schema (unit tests).
 */
import type { RoostConfig } from '../config/config.js';

export interface HttpReadOptions {
  /** How long a live read of an always-on device waits for the device (ms). */
  readTimeoutMs: number;
  /** Deepest nesting of arrays and objects accepted in a JSON body. */
  maxJsonDepth: number;
}

export const DEFAULT_READ_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_JSON_DEPTH = 64;

export function httpReadOptions(config: RoostConfig): HttpReadOptions {
  const http = config.http as Partial<HttpReadOptions>;
  return { readTimeoutMs: http.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS, maxJsonDepth: http.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH };
}
