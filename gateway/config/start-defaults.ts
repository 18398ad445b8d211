/**
 * What `roost start` (and the appliance image) turns on beyond the schema's defaults: CoAP with
 * OSCORE required of every device (docs/protocols/coap.md "Security"), TLS with the gateway's own
 * certificate, hardware detection for serial, Zigbee and BLE, DNS-SD over mDNS and CoAP multicast
 * discovery of the resource directory.
 * An embedded gateway (tests, `roost demo`) keeps the schema's quieter defaults; the config file
 * wins over these, key by key.
 */
import { mergePatch } from '../hub/directory.js';

export const START_DEFAULTS = {
  tls: { enabled: true },
  detect: { enabled: true },
  discovery: { mdns: true },
  bindings: { coap: { enabled: true, security: 'required', multicast: true } },
} as const;

/** The raw config with START_DEFAULTS under it (the config's own values win). */
export function withStartDefaults(raw: unknown): unknown {
  return mergePatch(structuredClone(START_DEFAULTS), raw ?? {});
}
