/**
 * Bluetooth SIG services and characteristics Roost maps without configuration
 * (GATT Specification Supplement; Assigned Numbers §3.4, §3.8), as GattMapping rows.
 */
import type { GattMapping } from './gatt-mapping.js';

export const SIG_SERVICES = {
  deviceInformation: '180a',
  battery: '180f',
  environmentalSensing: '181a',
} as const;

/** Rows for the SIG characteristics; a device gets those whose characteristic it offers. */
export const SIG_MAPPINGS: readonly GattMapping[] = [
  // Environmental Sensing: Temperature sint16 0.01 °C, Humidity uint16 0.01 %, Pressure uint32 0.1 Pa.
  { name: 'temperature', service: '181a', characteristic: '2a6e', read: true, notify: true, type: 'int', length: 2, scale: 0.01, unit: 'Cel' },
  { name: 'humidity', service: '181a', characteristic: '2a6f', read: true, notify: true, type: 'uint', length: 2, scale: 0.01, unit: '%' },
  { name: 'pressure', service: '181a', characteristic: '2a6d', read: true, notify: true, type: 'uint', length: 4, scale: 0.001, unit: 'hPa' },
  // Battery Level uint8 %.
  { name: 'battery', service: '180f', characteristic: '2a19', read: true, notify: true, type: 'uint', length: 1, unit: '%' },
  // Device Information: UTF-8 strings, read once.
  { name: 'manufacturer', service: '180a', characteristic: '2a29', read: true, once: true, type: 'utf8' },
  { name: 'model', service: '180a', characteristic: '2a24', read: true, once: true, type: 'utf8' },
  { name: 'serialNumber', service: '180a', characteristic: '2a25', read: true, once: true, type: 'utf8' },
  { name: 'firmwareRevision', service: '180a', characteristic: '2a26', read: true, once: true, type: 'utf8' },
  { name: 'hardwareRevision', service: '180a', characteristic: '2a27', read: true, once: true, type: 'utf8' },
  { name: 'softwareRevision', service: '180a', characteristic: '2a28', read: true, once: true, type: 'utf8' },
];
