/**
 * The BTHome v2 object-id table (https://bthome.io/format/), as data read by one generic codec.
 * Each row: the property name a reading gets, how its bytes are laid out and its unit.
 * Integers are little-endian; `factor` scales the raw integer to the unit.
 */

/** How an object's value is carried. */
export type BthomeKind =
  | 'number' // scaled integer (sensor reading)
  | 'binary' // 1 byte, 0 = false / 1 = true
  | 'button' // event: 1 byte, BUTTON_EVENTS
  | 'dimmer' // event: 2 bytes, DIMMER_EVENTS + steps
  | 'text' // length byte + UTF-8
  | 'raw' // length byte + bytes
  | 'timestamp' // uint32 seconds since the epoch
  | 'packetId' // uint8, for de-duplication
  | 'deviceInfo'; // device type id / firmware version, not a reading

export interface BthomeObjectSpec {
  readonly name: string;
  readonly kind: BthomeKind;
  /** Value bytes after the object id (0 for length-prefixed text/raw). */
  readonly bytes: number;
  readonly signed?: boolean;
  readonly factor?: number;
  /** Unit as written in TDs (UCUM-like). */
  readonly unit?: string;
}

const n = (name: string, bytes: number, factor = 1, unit?: string, signed = false): BthomeObjectSpec =>
  ({ name, kind: 'number', bytes, factor, signed, ...(unit ? { unit } : {}) });
const b = (name: string): BthomeObjectSpec => ({ name, kind: 'binary', bytes: 1 });

/** BTHome v2 object ids (bthome.io "Sensor data", "Binary sensor data", "Events", "Device information"). */
export const BTHOME_OBJECTS: Readonly<Record<number, BthomeObjectSpec>> = {
  0x00: { name: 'packetId', kind: 'packetId', bytes: 1 },
  0x01: n('battery', 1, 1, '%'),
  0x02: n('temperature', 2, 0.01, 'Cel', true),
  0x03: n('humidity', 2, 0.01, '%'),
  0x04: n('pressure', 3, 0.01, 'hPa'),
  0x05: n('illuminance', 3, 0.01, 'lx'),
  0x06: n('massKg', 2, 0.01, 'kg'),
  0x07: n('massLb', 2, 0.01, '[lb_av]'),
  0x08: n('dewPoint', 2, 0.01, 'Cel', true),
  0x09: n('count', 1),
  0x0a: n('energy', 3, 0.001, 'kW.h'),
  0x0b: n('power', 3, 0.01, 'W'),
  0x0c: n('voltage', 2, 0.001, 'V'),
  0x0d: n('pm25', 2, 1, 'ug/m3'),
  0x0e: n('pm10', 2, 1, 'ug/m3'),
  0x0f: b('generic'),
  0x10: b('powerOn'),
  0x11: b('opening'),
  0x12: n('co2', 2, 1, 'ppm'),
  0x13: n('tvoc', 2, 1, 'ug/m3'),
  0x14: n('moisture', 2, 0.01, '%'),
  0x15: b('batteryLow'),
  0x16: b('batteryCharging'),
  0x17: b('carbonMonoxide'),
  0x18: b('cold'),
  0x19: b('connectivity'),
  0x1a: b('door'),
  0x1b: b('garageDoor'),
  0x1c: b('gas'),
  0x1d: b('heat'),
  0x1e: b('light'),
  0x1f: b('lock'),
  0x20: b('moist'),
  0x21: b('motion'),
  0x22: b('moving'),
  0x23: b('occupancy'),
  0x24: b('plug'),
  0x25: b('presence'),
  0x26: b('problem'),
  0x27: b('running'),
  0x28: b('safety'),
  0x29: b('smoke'),
  0x2a: b('sound'),
  0x2b: b('tamper'),
  0x2c: b('vibration'),
  0x2d: b('window'),
  0x2e: n('humidity', 1, 1, '%'),
  0x2f: n('moisture', 1, 1, '%'),
  0x3a: { name: 'button', kind: 'button', bytes: 1 },
  0x3c: { name: 'dimmer', kind: 'dimmer', bytes: 2 },
  0x3d: n('count', 2),
  0x3e: n('count', 4),
  0x3f: n('rotation', 2, 0.1, 'deg', true),
  0x40: n('distanceMm', 2, 1, 'mm'),
  0x41: n('distanceM', 2, 0.1, 'm'),
  0x42: n('duration', 3, 0.001, 's'),
  0x43: n('current', 2, 0.001, 'A'),
  0x44: n('speed', 2, 0.01, 'm/s'),
  0x45: n('temperature', 2, 0.1, 'Cel', true),
  0x46: n('uvIndex', 1, 0.1),
  0x47: n('volume', 2, 0.1, 'L'),
  0x48: n('volumeMl', 2, 1, 'mL'),
  0x49: n('volumeFlowRate', 2, 0.001, 'm3/h'),
  0x4a: n('voltage', 2, 0.1, 'V'),
  0x4b: n('gas', 3, 0.001, 'm3'),
  0x4c: n('gas', 4, 0.001, 'm3'),
  0x4d: n('energy', 4, 0.001, 'kW.h'),
  0x4e: n('volume', 4, 0.001, 'L'),
  0x4f: n('water', 4, 0.001, 'L'),
  0x50: { name: 'timestamp', kind: 'timestamp', bytes: 4 },
  0x51: n('acceleration', 2, 0.001, 'm/s2'),
  0x52: n('gyroscope', 2, 0.001, 'deg/s'),
  0x53: { name: 'text', kind: 'text', bytes: 0 },
  0x54: { name: 'raw', kind: 'raw', bytes: 0 },
  0x55: n('volumeStorage', 4, 0.001, 'L'),
  0x56: n('conductivity', 2, 1, 'uS/cm'),
  0x57: n('temperature', 1, 1, 'Cel', true),
  0x58: n('temperature', 1, 0.35, 'Cel', true),
  0x59: n('count', 1, 1, undefined, true),
  0x5a: n('count', 2, 1, undefined, true),
  0x5b: n('count', 4, 1, undefined, true),
  0x5c: n('power', 4, 0.01, 'W', true),
  0x5d: n('current', 2, 0.001, 'A', true),
  0x5e: n('direction', 2, 0.01, 'deg'),
  0x5f: n('precipitation', 2, 0.1, 'mm'),
  0x60: n('channel', 1),
  0x61: n('rotationalSpeed', 2, 1, '/min'),
  0x62: n('speed', 4, 0.000001, 'm/s', true),
  0x63: n('acceleration', 4, 0.000001, 'm/s2', true),
  0x64: n('lightLevel', 1),
  0xf0: { name: 'deviceTypeId', kind: 'deviceInfo', bytes: 2 },
  0xf1: { name: 'firmwareVersion', kind: 'deviceInfo', bytes: 4 },
  0xf2: { name: 'firmwareVersion', kind: 'deviceInfo', bytes: 3 },
};

/** Button event codes (object 0x3A). */
export const BUTTON_EVENTS: Readonly<Record<number, string>> = {
  0x00: 'none',
  0x01: 'press',
  0x02: 'double_press',
  0x03: 'triple_press',
  0x04: 'long_press',
  0x05: 'long_double_press',
  0x06: 'long_triple_press',
  0x80: 'hold_press',
};

/** Dimmer event codes (object 0x3C, first byte; the second is the number of steps). */
export const DIMMER_EVENTS: Readonly<Record<number, string>> = {
  0x00: 'none',
  0x01: 'rotate_left',
  0x02: 'rotate_right',
};

/** Service data UUID of BTHome v2 (16-bit, assigned to Allterco). */
export const BTHOME_UUID16 = 0xfcd2;
