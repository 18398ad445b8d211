/** Simulated serial microcontrollers (firmware companion): the MCU model, its pty port, line noise. */
export { REMEMBERED_ITEMS, SerialMcu, type McuCommand, type McuCounters, type McuMemory, type McuResult, type McuUnit, type SerialMcuOptions } from './serial-mcu.js';
export { openPty, type SimPort, type SimPortEvents } from './sim-port.js';
export { NoisyPort, type LineNoiseOptions } from './line-noise.js';
