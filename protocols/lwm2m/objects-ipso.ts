// Table: the IPSO smart objects Roost knows without operator files (3200, 3201, 3303, 3304, 3311, 3312, 3340, 3347), Roost's own rows written from the registry's facts.
/**
 * IPSO objects met on constrained devices. Many share reusable resources (5700 Sensor Value,
 * 5750 Application Type, ...), so the shared rows are written once. Row shape: object-rows.ts.
 */
import type { ObjectModel } from './lwm2m-model.js';
import { defineObject, type ResourceRow } from './object-rows.js';

const APPLICATION_TYPE: ResourceRow = [5750, 'Application Type', 'RW', '', 'String', '', '', 'What the sensor or actuator is used for.'];
const TIMESTAMP: ResourceRow = [5518, 'Timestamp', 'R', '', 'Time', '', '', 'When the value was measured.'];
const FRACTIONAL_TIMESTAMP: ResourceRow = [6050, 'Fractional Timestamp', 'R', '', 'Float', '0..1', 's', 'Sub-second part of Timestamp.'];
const SENSOR_UNITS: ResourceRow = [5701, 'Sensor Units', 'R', '', 'String', '', '', 'Unit of the measured value.'];
const DIGITAL_INPUT_STATE: ResourceRow = [5500, 'Digital Input State', 'R', 'M', 'Boolean', '', '', 'Current state of the input.'];
const DIGITAL_INPUT_COUNTER: ResourceRow = [5501, 'Digital Input Counter', 'R', '', 'Integer', '', '', 'Number of active states counted.'];
const ON_OFF: ResourceRow = [5850, 'On/Off', 'RW', 'M', 'Boolean', '', '', 'True is on.'];

/** Generic sensor resources (3303 Temperature, 3304 Humidity, ...): value, min/max, range. */
const SENSOR: readonly ResourceRow[] = [
  [5700, 'Sensor Value', 'R', 'M', 'Float', '', '', 'Last measured value.'],
  [5601, 'Min Measured Value', 'R', '', 'Float', '', '', 'Lowest value since power-on or reset.'],
  [5602, 'Max Measured Value', 'R', '', 'Float', '', '', 'Highest value since power-on or reset.'],
  [5603, 'Min Range Value', 'R', '', 'Float', '', '', 'Lowest value the sensor can measure.'],
  [5604, 'Max Range Value', 'R', '', 'Float', '', '', 'Highest value the sensor can measure.'],
  SENSOR_UNITS,
  [5605, 'Reset Min and Max Measured Values', 'E', '', 'none', '', '', 'Sets min and max to the current value.'],
  APPLICATION_TYPE,
  TIMESTAMP,
  FRACTIONAL_TIMESTAMP,
  [6042, 'Measurement Quality Indicator', 'R', '', 'Integer', '0..23', '', 'Quality class a smart sensor reports.'],
  [6049, 'Measurement Quality Level', 'R', '', 'Integer', '0..100', '', 'Quality level; 100 passed every check.'],
];

const POWER: readonly ResourceRow[] = [
  [5851, 'Dimmer', 'RW', '', 'Integer', '0..100', '/100', 'Dimmer level in percent.'],
  [5852, 'On time', 'RW', '', 'Integer', '', 's', 'Seconds switched on; writing 0 resets.'],
  [5805, 'Cumulative active power', 'R', '', 'Float', '', 'Wh', 'Energy since the last reset or start.'],
  [5820, 'Power factor', 'R', '', 'Float', '', '', 'Power factor of the load.'],
];

export const IPSO_OBJECTS: readonly ObjectModel[] = [
  defineObject({ id: 3200, name: 'Digital Input', version: '1.1', lwm2mVersion: '1.0', multiple: true, mandatory: false, description: 'A digital input and its counter.' }, [
    DIGITAL_INPUT_STATE,
    DIGITAL_INPUT_COUNTER,
    [5502, 'Digital Input Polarity', 'RW', '', 'Boolean', '', '', 'False normal, true reversed.'],
    [5503, 'Digital Input Debounce', 'RW', '', 'Integer', '', 'ms', 'Debounce period.'],
    [5504, 'Digital Input Edge Selection', 'RW', '', 'Integer', '1..3', '', '1 falling, 2 rising, 3 both edges.'],
    [5505, 'Digital Input Counter Reset', 'E', '', 'none', '', '', 'Zeroes the counter.'],
    APPLICATION_TYPE,
    [5751, 'Sensor Type', 'R', '', 'String', '', '', 'Kind of sensor behind the input.'],
    TIMESTAMP,
    FRACTIONAL_TIMESTAMP,
  ]),
  defineObject({ id: 3201, name: 'Digital Output', version: '1.1', lwm2mVersion: '1.0', multiple: true, mandatory: false, description: 'A digital output.' }, [
    [5550, 'Digital Output State', 'RW', 'M', 'Boolean', '', '', 'Current state of the output.'],
    [5551, 'Digital Output Polarity', 'RW', '', 'Boolean', '', '', 'False normal, true reversed.'],
    APPLICATION_TYPE,
    TIMESTAMP,
    FRACTIONAL_TIMESTAMP,
  ]),
  defineObject({ id: 3303, name: 'Temperature', version: '1.1', lwm2mVersion: '1.0', multiple: true, mandatory: false, description: 'A temperature sensor (unit in Sensor Units, usually Cel).' }, SENSOR),
  defineObject({ id: 3304, name: 'Humidity', version: '1.1', lwm2mVersion: '1.0', multiple: true, mandatory: false, description: 'A relative humidity sensor.' }, SENSOR),
  defineObject({ id: 3311, name: 'Light Control', version: '1.0', lwm2mVersion: '1.0', multiple: true, mandatory: false, description: 'A light source: switch, dimmer, energy, colour.' }, [
    ON_OFF,
    ...POWER,
    [5706, 'Colour', 'RW', '', 'String', '', '', 'Colour in some colour space.'],
    SENSOR_UNITS,
    APPLICATION_TYPE,
  ]),
  defineObject({ id: 3312, name: 'Power Control', version: '1.1', lwm2mVersion: '1.0', multiple: true, mandatory: false, description: 'A switched power outlet.' }, [
    ON_OFF,
    ...POWER,
    APPLICATION_TYPE,
    TIMESTAMP,
    FRACTIONAL_TIMESTAMP,
  ]),
  defineObject({ id: 3340, name: 'Timer', version: '1.0', lwm2mVersion: '1.0', multiple: true, mandatory: false, description: 'A timer with delay, rearm and modes.' }, [
    [5521, 'Delay Duration', 'RW', 'M', 'Float', '', 's', 'Length of the delay.'],
    [5538, 'Remaining Time', 'R', '', 'Float', '', 's', 'Time left in the running operation.'],
    [5525, 'Minimum Off-time', 'RW', '', 'Float', '', 's', 'Rearm delay between cycles.'],
    [5523, 'Trigger', 'E', '', 'none', '', '', 'Starts the timer.'],
    [5850, 'On/Off', 'RW', '', 'Boolean', '', '', 'Enables the timer.'],
    DIGITAL_INPUT_COUNTER,
    [5544, 'Cumulative Time', 'RW', '', 'Float', '', 's', 'Total time the input was true; writing 0 resets.'],
    [5543, 'Digital State', 'R', '', 'Boolean', '', '', 'Current timer output.'],
    [5534, 'Counter', 'RW', '', 'Integer', '', '', 'Rising transitions of the output.'],
    [5526, 'Timer Mode', 'RW', '', 'Integer', '0..4', '', '0 off, 1 one-shot, 2 interval, 3 delay on pick-up, 4 delay on drop-out.'],
    APPLICATION_TYPE,
  ]),
  defineObject({ id: 3347, name: 'Push button', version: '1.1', lwm2mVersion: '1.0', multiple: true, mandatory: false, description: 'A push button and its press counter.' }, [
    DIGITAL_INPUT_STATE,
    DIGITAL_INPUT_COUNTER,
    APPLICATION_TYPE,
    TIMESTAMP,
    FRACTIONAL_TIMESTAMP,
  ]),
];
