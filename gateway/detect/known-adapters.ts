/**
 * What a USB serial port is: a Zigbee coordinator (zigbee-herdsman's own fingerprint table, the
 * one Zigbee2MQTT uses: vendor/product id, manufacturer and the by-id name), a USB-serial bridge
 * of the kind MCU boards carry (for the serial binding), or something we leave alone.
 */
import { createRequire } from 'node:module';
import type { UsbSerialPort } from './sysfs-scan.js';

/** zigbee-herdsman adapter names the zigbee binding accepts. */
export type ZigbeeAdapterName = 'zstack' | 'ember' | 'deconz' | 'zigate' | 'zboss';

/** USB-serial bridges and MCU USB CDC ids seen on boards running our serial firmware. */
export const MCU_SERIAL_BRIDGES: ReadonlyArray<{ vendorId: string; productId?: string; chip: string }> = [
  { vendorId: '10c4', productId: 'ea60', chip: 'Silicon Labs CP210x' },
  { vendorId: '1a86', productId: '7523', chip: 'WCH CH340' },
  { vendorId: '1a86', productId: '55d4', chip: 'WCH CH9102' },
  { vendorId: '0403', productId: '6001', chip: 'FTDI FT232R' },
  { vendorId: '0403', productId: '6015', chip: 'FTDI FT231X' },
  { vendorId: '067b', productId: '2303', chip: 'Prolific PL2303' },
  { vendorId: '2341', chip: 'Arduino' },
  { vendorId: '239a', chip: 'Adafruit' },
  { vendorId: '303a', productId: '1001', chip: 'Espressif USB JTAG/serial' },
  { vendorId: '2e8a', productId: '000a', chip: 'Raspberry Pi RP2040' },
  { vendorId: '0483', productId: '5740', chip: 'STMicroelectronics virtual COM port' },
  { vendorId: '1915', productId: '521f', chip: 'Nordic nRF52 USB CDC' },
];

/** Product strings that say "Zigbee radio" even when no fingerprint matched: such a port is ambiguous. */
const RADIO_HINT = /zigbee|conbee|raspbee|zbdongle|dongle[_ ]?(plus|max|lite)|cc26[57]\d|cc13[57]\d|cc253\d|efr32|mg2[14]|skyconnect|zbt-\d|slzb|zigate|zigstar|tubeszb|thread|802\.15\.4/i;

export interface ZigbeeMatch {
  adapter: ZigbeeAdapterName;
  /** herdsman's score: 2 ids + manufacturer, 3 ids + by-id name, 4 all three. */
  score: number;
  rtscts?: boolean;
  baudRate?: number;
}

type FindBestMatch = (adapter: undefined, portInfo: Record<string, string | undefined>, isWindows: boolean) =>
  [string, [string, number, { options?: { rtscts?: boolean; baudRate?: number } }]] | undefined;

let findBestMatch: FindBestMatch | null = null;

/** herdsman's matcher, loaded on first use (it is CommonJS and pulls in its logger). */
function herdsmanMatcher(): FindBestMatch {
  if (!findBestMatch) {
    const require = createRequire(import.meta.url);
    const mod = require('zigbee-herdsman/dist/adapter/adapterDiscovery.js') as { findUsbAdapterBestMatch: FindBestMatch };
    findBestMatch = mod.findUsbAdapterBestMatch;
  }
  return findBestMatch;
}

export function matchZigbeeCoordinator(port: UsbSerialPort): ZigbeeMatch | undefined {
  if (!port.vendorId || !port.productId) return undefined;
  const info = { path: port.path, pnpId: port.pnpId, vendorId: port.vendorId, productId: port.productId, manufacturer: port.manufacturer, serialNumber: port.serialNumber };
  const found = herdsmanMatcher()(undefined, info, false);
  if (!found) return undefined;
  const [adapter, [, score, entry]] = found;
  // herdsman's 'ember' table also covers ezsp sticks; every name it returns is one the binding knows.
  const m: ZigbeeMatch = { adapter: adapter as ZigbeeAdapterName, score };
  if (entry.options?.rtscts !== undefined) m.rtscts = entry.options.rtscts;
  if (entry.options?.baudRate !== undefined) m.baudRate = entry.options.baudRate;
  return m;
}

export function matchSerialBridge(port: UsbSerialPort): string | undefined {
  if (!port.vendorId) return undefined;
  return MCU_SERIAL_BRIDGES.find((b) => b.vendorId === port.vendorId && (b.productId === undefined || b.productId === port.productId))?.chip;
}

export function looksLikeRadio(port: UsbSerialPort): boolean {
  return RADIO_HINT.test(`${port.pnpId} ${port.manufacturer ?? ''} ${port.product ?? ''}`);
}
