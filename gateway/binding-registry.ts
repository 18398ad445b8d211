/**
 * The table of bindings: the only place that knows the list. Each entry loads its module lazily,
 * so a binding's native modules (serialport, noble, herdsman) load only when it is enabled.
 * The built-in `system` binding is not here: the gateway builds it with its controls.
 */
import type { BindingModule } from './binding.js';

export type BindingLoader = () => Promise<BindingModule<never>>;

export const BINDING_MODULES: Readonly<Record<string, BindingLoader>> = {
  agent: () => import('./agents/index.js'),
  ble: () => import('../bindings/ble/index.js'),
  coap: () => import('../bindings/coap/index.js'),
  ingest: () => import('./ingest/index.js'),
  serial: () => import('../bindings/serial/index.js'),
  zigbee: () => import('../bindings/zigbee/index.js'),
};
