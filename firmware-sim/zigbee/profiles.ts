/**
 * Simulated Zigbee device profiles, as data: descriptors, attributes and what cluster
 * commands do. Model ids and manufacturer names are those real devices report, so the
 * converters (zigbee-herdsman-converters) identify them like the real thing.
 * Cluster ids: ZCL 07-5123 (0x0000 Basic, 0x0001 Power configuration, 0x0003 Identify,
 * 0x0006 On/Off, 0x0402 Temperature, 0x0405 Humidity, 0x0500 IAS Zone, 0x0702 Metering,
 * 0x0b04 Electrical measurement).
 */
import type { ZclValue } from '../../protocols/znp/zcl-types.js';

/** One attribute: ZCL data type id and initial value. */
export interface AttributeSpec {
  type: number;
  value: ZclValue;
}

/** What a cluster command does to the device's own attributes. */
export interface CommandEffect {
  /** Attribute id -> new value. */
  set?: Record<number, ZclValue>;
  /** Attribute ids whose boolean value flips. */
  toggle?: number[];
  /** Attribute id <- the u16 at this payload offset (e.g. Identify time). */
  setFromU16?: { attribute: number; offset: number };
  /**
   * Poll Control Check-in Response (ZCL §3.16.5.1): payload[0] = start fast polling, then the
   * fast poll timeout (u16, quarter seconds; 0 = the device's own fastPollTimeout).
   */
  fastPoll?: boolean;
}

export interface EndpointSpec {
  id: number;
  profileId: number;
  deviceId: number;
  inClusters: number[];
  outClusters: number[];
  /** Cluster id -> attribute id -> spec. */
  attributes: Record<number, Record<number, AttributeSpec>>;
  /** Cluster id -> command id -> effect (client to server commands). */
  commands?: Record<number, Record<number, CommandEffect>>;
}

/** A button press: a cluster command the device sends to the coordinator. */
export interface PressSpec {
  endpoint: number;
  cluster: number;
  command: number;
  payload?: number[];
}

export interface DeviceProfile {
  name: string;
  modelId: string;
  manufacturerName: string;
  manufacturerCode: number;
  logicalType: 'router' | 'endDevice';
  mainsPowered: boolean;
  /** Sleepy end device: reachable only in an awake window. */
  sleepy: boolean;
  endpoints: EndpointSpec[];
  /** Named presses (remotes and buttons). */
  presses?: Record<string, PressSpec>;
}

const HA = 0x0104;
const T = { bool: 0x10, map16: 0x19, u8: 0x20, u16: 0x21, u48: 0x25, i16: 0x29, enum8: 0x30, str: 0x42, eui64: 0xf0 } as const;

function basic(modelId: string, manufacturerName: string, powerSource: number): Record<number, AttributeSpec> {
  return {
    0x0000: { type: T.u8, value: 3 }, // zclVersion
    0x0001: { type: T.u8, value: 1 }, // appVersion
    0x0002: { type: T.u8, value: 2 }, // stackVersion
    0x0003: { type: T.u8, value: 1 }, // hwVersion
    0x0004: { type: T.str, value: manufacturerName },
    0x0005: { type: T.str, value: modelId },
    0x0006: { type: T.str, value: '20240101' }, // dateCode
    0x0007: { type: T.enum8, value: powerSource }, // 1 mains single phase, 3 battery
    0x4000: { type: T.str, value: '2.4.5' }, // swBuildId
  };
}

const battery = (voltageDv: number, percentHalf: number): Record<number, AttributeSpec> => ({
  0x0020: { type: T.u8, value: voltageDv }, // batteryVoltage, 100 mV units
  0x0021: { type: T.u8, value: percentHalf }, // batteryPercentageRemaining, 0.5 % units
});

const identify: Record<number, AttributeSpec> = { 0x0000: { type: T.u16, value: 0 } };
const identifyCommands: Record<number, CommandEffect> = { 0x00: { setFromU16: { attribute: 0x0000, offset: 0 } } };

/** SONOFF SNZB-02 temperature and humidity sensor (reports model id TH01). */
export const TEMPERATURE_HUMIDITY_SENSOR: DeviceProfile = {
  name: 'temperature-humidity-sensor',
  modelId: 'TH01',
  manufacturerName: 'eWeLink',
  manufacturerCode: 0x0000,
  logicalType: 'endDevice',
  mainsPowered: false,
  sleepy: true,
  endpoints: [{
    id: 1, profileId: HA, deviceId: 0x0302, inClusters: [0x0000, 0x0003, 0x0402, 0x0405, 0x0001], outClusters: [0x0003],
    attributes: {
      0x0000: basic('TH01', 'eWeLink', 3),
      0x0001: battery(30, 200),
      0x0003: identify,
      0x0402: { 0x0000: { type: T.i16, value: 2150 } }, // measuredValue, 0.01 °C
      0x0405: { 0x0000: { type: T.u16, value: 4500 } }, // measuredValue, 0.01 %
    },
    commands: { 0x0003: identifyCommands },
  }],
};

/** Innr SP 120 smart plug with power metering. */
export const SMART_PLUG: DeviceProfile = {
  name: 'smart-plug',
  modelId: 'SP 120',
  manufacturerName: 'innr',
  manufacturerCode: 0x1166,
  logicalType: 'router',
  mainsPowered: true,
  sleepy: false,
  endpoints: [{
    id: 1, profileId: HA, deviceId: 0x0051, inClusters: [0x0000, 0x0003, 0x0004, 0x0005, 0x0006, 0x0702, 0x0b04], outClusters: [0x0019],
    attributes: {
      0x0000: basic('SP 120', 'innr', 1),
      0x0003: identify,
      0x0004: { 0x0000: { type: 0x18, value: 0 } },
      0x0005: { 0x0000: { type: T.u8, value: 0 } },
      0x0006: { 0x0000: { type: T.bool, value: false } }, // onOff
      0x0702: {
        0x0000: { type: T.u48, value: 1234 }, // currentSummDelivered
        0x0300: { type: 0x18, value: 0 }, // unitOfMeasure
        0x0301: { type: 0x22, value: 1 }, // multiplier
        0x0302: { type: 0x22, value: 100 }, // divisor
      },
      0x0b04: {
        0x0505: { type: T.u16, value: 230 }, // rmsVoltage
        0x0508: { type: T.u16, value: 0 }, // rmsCurrent, mA
        0x050b: { type: T.i16, value: 0 }, // activePower, W
        0x0600: { type: T.u16, value: 1 }, 0x0601: { type: T.u16, value: 1 },
        0x0602: { type: T.u16, value: 1 }, 0x0603: { type: T.u16, value: 1000 },
        0x0604: { type: T.u16, value: 1 }, 0x0605: { type: T.u16, value: 1 },
      },
    },
    commands: {
      0x0003: identifyCommands,
      0x0006: { 0x00: { set: { 0x0000: false } }, 0x01: { set: { 0x0000: true } }, 0x02: { toggle: [0x0000] } },
    },
  }],
};

/** SONOFF SNZB-01 wireless button (reports model id WB01): single / double / long press. */
export const BUTTON_REMOTE: DeviceProfile = {
  name: 'button-remote',
  modelId: 'WB01',
  manufacturerName: 'eWeLink',
  manufacturerCode: 0x0000,
  logicalType: 'endDevice',
  mainsPowered: false,
  sleepy: true,
  endpoints: [{
    id: 1, profileId: HA, deviceId: 0x0000, inClusters: [0x0000, 0x0003, 0x0001], outClusters: [0x0003, 0x0006],
    attributes: { 0x0000: basic('WB01', 'eWeLink', 3), 0x0001: battery(30, 180), 0x0003: identify },
    commands: { 0x0003: identifyCommands },
  }],
  // On/Off commands sent by the button: toggle, on, off (ZCL §3.8.2.3).
  presses: {
    single: { endpoint: 1, cluster: 0x0006, command: 0x02 },
    double: { endpoint: 1, cluster: 0x0006, command: 0x01 },
    long: { endpoint: 1, cluster: 0x0006, command: 0x00 },
  },
};

/** IKEA E2013 PARASOLL door/window sensor: sleepy, IAS zone on endpoint 2. */
export const DOOR_SENSOR: DeviceProfile = {
  name: 'door-sensor',
  modelId: 'PARASOLL Door/Window Sensor',
  manufacturerName: 'IKEA of Sweden',
  manufacturerCode: 0x117c,
  logicalType: 'endDevice',
  mainsPowered: false,
  sleepy: true,
  endpoints: [
    {
      id: 1, profileId: HA, deviceId: 0x0402, inClusters: [0x0000, 0x0001, 0x0003, 0x0020, 0x1000], outClusters: [0x0003, 0x0006, 0x0019],
      attributes: {
        0x0000: basic('PARASOLL Door/Window Sensor', 'IKEA of Sweden', 3), 0x0001: battery(30, 200), 0x0003: identify,
        // Poll Control (ZCL §3.16.4): check-in every hour, intervals in quarter seconds.
        0x0020: { 0x0000: { type: 0x23, value: 14400 }, 0x0001: { type: 0x23, value: 1200 }, 0x0002: { type: T.u16, value: 2 }, 0x0003: { type: T.u16, value: 40 } },
      },
      commands: { 0x0003: identifyCommands, 0x0020: { 0x00: { fastPoll: true } } },
    },
    {
      id: 2, profileId: HA, deviceId: 0x0402, inClusters: [0x0003, 0x0500], outClusters: [],
      attributes: {
        0x0003: identify,
        0x0500: {
          0x0000: { type: T.enum8, value: 0 }, // zoneState: not enrolled
          0x0001: { type: 0x31, value: 0x0015 }, // zoneType: contact switch
          0x0002: { type: T.map16, value: 0 }, // zoneStatus
          0x0010: { type: T.eui64, value: '0x0000000000000000' }, // iasCieAddr
          0x0011: { type: T.u8, value: 0xff }, // zoneId
        },
      },
      // IAS Zone Enroll Response (ZCL §8.2.2.3.1): enrolled.
      commands: { 0x0003: identifyCommands, 0x0500: { 0x00: { set: { 0x0000: 1 } } } },
    },
  ],
};

export const PROFILES: Readonly<Record<string, DeviceProfile>> = {
  [TEMPERATURE_HUMIDITY_SENSOR.name]: TEMPERATURE_HUMIDITY_SENSOR,
  [SMART_PLUG.name]: SMART_PLUG,
  [BUTTON_REMOTE.name]: BUTTON_REMOTE,
  [DOOR_SENSOR.name]: DOOR_SENSOR,
};
