/** Where the running gateway's listeners are bound, for DNS-SD: from its config and what listened. */
import type { Binding } from '../binding.js';
import type { RoostConfig } from '../config/config.js';
import type { Listener, Listeners } from './dns-sd-services.js';

/** The URLs the APIs answered with when they listened (gateway.ts ApiHandle). */
export interface BoundUrls {
  httpUrl: string;
  /** Present when plain HTTP listens (off: httpUrl is the HTTPS URL). */
  httpServer?: unknown;
  httpsUrl?: string;
  mqttUrl?: string;
  mqttsUrl?: string;
}

const at = (host: string, url: string): Listener => ({ host, port: Number(new URL(url).port) });

/** The CoAP binding's socket when it runs (CoapBinding.listening), without importing the binding. */
function coapListener(coap: Binding | undefined): Listener | undefined {
  const bound = (coap as { listening?: { address: string; port: number } | null } | undefined)?.listening;
  return bound && coap?.status().state === 'running' ? { host: bound.address, port: bound.port } : undefined;
}

export function gatewayListeners(c: RoostConfig, api: BoundUrls | null, coap: Binding | undefined): Listeners {
  const l: Listeners = {};
  if (api?.httpServer) l.http = at(c.http.host, api.httpUrl);
  if (api?.httpsUrl) l.https = at(c.http.host, api.httpsUrl);
  if (api?.mqttUrl?.startsWith('mqtt:')) l.mqtt = at(c.mqtt.host, api.mqttUrl);
  if (api?.mqttsUrl) l.mqtts = at(c.mqtt.host, api.mqttsUrl);
  const coapAt = coapListener(coap);
  if (coapAt) l.coap = coapAt;
  return l;
}
