/** firmware-sim CoAP devices: a sleepy sensor and an always-on actuator on a shared radio, plain, with OSCORE keys or enrolled by EDHOC. */
export { SimRadio, type Address } from './sim-radio.js';
export { SleepySensor, type SleepySensorOptions, type WakeReport } from './sleepy-sensor.js';
export { AlwaysOnActuator } from './always-on-actuator.js';
export { parseDownlink, type DownlinkItem } from './downlink.js';
export { DeviceOscore, emptyFlash, type OscoreFlash, type OscoreKeys, type OscoreOptions, type OscoreStats } from './oscore-device.js';
export {
  DeviceEdhoc, EdhocRefusedError, edhocDeviceKey, oscoreKeysOf, type EdhocAnswer, type EdhocDeviceOptions, type EdhocHalf, type EdhocMemory, type EdhocStats,
} from './edhoc-device.js';
