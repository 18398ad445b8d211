/**
 * From a hardware scan to a plan: which binding each adapter is for, which bindings detection
 * turns on (and with which options), and what it leaves alone and why. Pure: tests feed it scans.
 */
import { looksLikeRadio, matchSerialBridge, matchZigbeeCoordinator } from './known-adapters.js';
import type { HardwareScan } from './sysfs-scan.js';

export type DetectedBinding = 'serial' | 'zigbee' | 'ble';

/**
 * enabled: detection turned its binding on for it; configured: the config names this binding, so
 * detection leaves it to the config; ambiguous: could be more than one thing, left alone;
 * unknown: not an adapter we know.
 */
export type Decision = 'enabled' | 'configured' | 'ambiguous' | 'unknown';

export interface DetectedAdapter {
  /** By-id path of a serial port, or `hci0`. */
  id: string;
  kind: 'usb-serial' | 'bluetooth';
  binding: DetectedBinding | null;
  decision: Decision;
  /** Human-readable: what it is and why the decision. */
  reason: string;
  vendorId?: string;
  productId?: string;
  product?: string;
  manufacturer?: string;
}

export interface DetectionPlan {
  adapters: DetectedAdapter[];
  /** Binding sections detection wants running (only bindings the config does not name). */
  bindings: Partial<Record<DetectedBinding, Record<string, unknown> & { enabled: true }>>;
}

/** Builds the plan; `configured` are the bindings the user's config names (left to the config). */
export function planDetection(scan: HardwareScan, configured: ReadonlySet<string>): DetectionPlan {
  const adapters: DetectedAdapter[] = [];
  const bindings: DetectionPlan['bindings'] = {};
  const serialPorts: Array<{ path: string }> = [];
  for (const port of scan.serialPorts) {
    const base = {
      id: port.path, kind: 'usb-serial' as const,
      ...(port.vendorId ? { vendorId: port.vendorId } : {}), ...(port.productId ? { productId: port.productId } : {}),
      ...(port.product ? { product: port.product } : {}), ...(port.manufacturer ? { manufacturer: port.manufacturer } : {}),
    };
    const ids = port.vendorId ? `${port.vendorId}:${port.productId ?? '?'}` : 'no USB ids';
    const zb = matchZigbeeCoordinator(port);
    if (zb) {
      if (configured.has('zigbee')) {
        adapters.push({ ...base, binding: 'zigbee', decision: 'configured', reason: `Zigbee coordinator (${zb.adapter}, ${ids}); bindings.zigbee is in the config` });
      } else if (bindings.zigbee) {
        adapters.push({ ...base, binding: 'zigbee', decision: 'ambiguous', reason: `a second Zigbee coordinator (${zb.adapter}, ${ids}); the binding drives one: set bindings.zigbee.port to choose` });
      } else {
        bindings.zigbee = { enabled: true, port: port.path, adapter: zb.adapter, ...(zb.rtscts !== undefined ? { rtscts: zb.rtscts } : {}), ...(zb.baudRate ? { baudRate: zb.baudRate } : {}) };
        adapters.push({ ...base, binding: 'zigbee', decision: 'enabled', reason: `Zigbee coordinator (${zb.adapter} adapter, ${ids}, fingerprint score ${zb.score}/4)` });
      }
      continue;
    }
    const chip = matchSerialBridge(port);
    if (chip && looksLikeRadio(port)) {
      // A bridge chip whose names say "radio" but no coordinator fingerprint: guessing could flash-lock a stick.
      adapters.push({ ...base, binding: null, decision: 'ambiguous', reason: `${chip} (${ids}) named like a radio but matching no known coordinator: set bindings.zigbee or bindings.serial` });
    } else if (chip) {
      if (configured.has('serial')) {
        adapters.push({ ...base, binding: 'serial', decision: 'configured', reason: `${chip} USB-serial bridge (${ids}); bindings.serial is in the config` });
      } else {
        serialPorts.push({ path: port.path });
        adapters.push({ ...base, binding: 'serial', decision: 'enabled', reason: `${chip} USB-serial bridge (${ids})` });
      }
    } else {
      adapters.push({ ...base, binding: null, decision: 'unknown', reason: `not a known coordinator or MCU bridge (${ids})` });
    }
  }
  if (serialPorts.length > 0) bindings.serial = { enabled: true, ports: serialPorts };

  for (const hci of scan.bluetooth) {
    const base = { id: hci.name, kind: 'bluetooth' as const };
    const bus = hci.bus ? ` on ${hci.bus}` : '';
    if (configured.has('ble')) {
      adapters.push({ ...base, binding: 'ble', decision: 'configured', reason: `Bluetooth controller${bus}; bindings.ble is in the config` });
    } else if (bindings.ble) {
      adapters.push({ ...base, binding: 'ble', decision: 'ambiguous', reason: `another Bluetooth controller${bus}; the binding uses one: set bindings.ble.adapter.hciDeviceId to choose` });
    } else {
      bindings.ble = { enabled: true, adapter: { driver: 'hci', hciDeviceId: hci.index } };
      adapters.push({ ...base, binding: 'ble', decision: 'enabled', reason: `Bluetooth controller${bus}` });
    }
  }
  return { adapters, bindings };
}
