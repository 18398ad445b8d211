/**
 * The `http` options this part of the API reads that RoostConfig (config/config.ts) does not list
 * yet; config-schema.ts gives them their defaults, the fallbacks here only cover a config object
 * built without the schema.
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
  const http = config.http as RoostConfig['http'] & Partial<HttpReadOptions>;
  return { readTimeoutMs: http.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS, maxJsonDepth: http.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH };
}
