/**
 * The table of device kinds a scenario can name. Each row is a thin adapter over a device model
 * of firmware-sim/<protocol>/.
 */
import type { DeviceKind } from './device-model.js';
import { bleBthomeSensor } from './kinds/ble-bthome-sensor.js';
import { bleGattSensor } from './kinds/ble-gatt-sensor.js';
import { coapActuator } from './kinds/coap-actuator.js';
import { coapSleepySensor } from './kinds/coap-sleepy-sensor.js';
import { serialHub, serialMcu } from './kinds/serial-device.js';
import { zigbeeDoorSensor, zigbeePlug, zigbeeThSensor } from './kinds/zigbee-device.js';

export const DEVICE_KINDS: Readonly<Record<string, DeviceKind>> = {
  'coap-sleepy-sensor': coapSleepySensor,
  'coap-actuator': coapActuator,
  'serial-mcu': serialMcu,
  'serial-hub': serialHub,
  'ble-bthome-sensor': bleBthomeSensor,
  'ble-gatt-sensor': bleGattSensor,
  'zigbee-th-sensor': zigbeeThSensor,
  'zigbee-plug': zigbeePlug,
  'zigbee-door-sensor': zigbeeDoorSensor,
};
