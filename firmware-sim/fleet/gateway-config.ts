/**
 * The binding config sections a gateway needs for a fleet's CoAP, BLE and Zigbee devices, from the
 * needs the devices reported (GatewayNeeds). Whoever starts the gateway (the demo, a test)
 * merges them into its config; the BLE section goes with the fleet's simulated central, which
 * only a gateway in the same process can use.
 */
import type { BleNeeds, GatewayNeeds, ZigbeeNeeds } from './device-model.js';

/** Largest `bindings.ble.maxConnections` the binding accepts. */
const MAX_BLE_CONNECTIONS = 32;

/** `bindings.ble` for the fleet's BLE devices: their bind keys, GATT devices, and a link each for always-on ones plus one for sessions. */
export function bleBindingSection(ble: BleNeeds): Record<string, unknown> {
  const mains = ble.gattDevices.filter((d) => !d.sleepy).length;
  return {
    enabled: true,
    bindKeys: ble.bindKeys,
    gattDevices: ble.gattDevices.map((d) => ({ address: d.address, sleepy: d.sleepy, readIntervalMs: d.readIntervalMs })),
    maxConnections: Math.min(MAX_BLE_CONNECTIONS, mains + 1),
    maxDevices: Math.max(2000, ble.bthomeSensors),
  };
}

/** `bindings.zigbee` for the fleet's emulated coordinator. */
export function zigbeeBindingSection(z: ZigbeeNeeds): Record<string, unknown> {
  return { enabled: true, port: z.port, ...(z.awakeWindowMs !== undefined ? { awakeWindowMs: z.awakeWindowMs } : {}) };
}

/**
 * `bindings.coap.security` for a fleet: `required` when its CoAP devices speak OSCORE (the gateway
 * must then hold `needs.coap.manifest`, imported before the devices start), `none` when the
 * scenario says `security: none` (plain CoAP, lab figures).
 */
export function coapSecurity(needs: GatewayNeeds): 'required' | 'none' {
  return needs.coap ? 'required' : 'none';
}
