/** Simulated serial microcontrollers (firmware companion): the MCU model, its pty port, line noise. */
export { SerialMcu, type McuCommand, type McuCounters, type McuUnit, type SerialMcuOptions } from './serial-mcu.js';
export { openPty, type SimPort } from './sim-port.js';
export { NoisyPort, type LineNoiseOptions } from './line-noise.js';
