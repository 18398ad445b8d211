/**
 * Native TDs of BLE devices (TD 1.1): one property per BTHome object key or GATT mapping,
 * one event per BTHome button/dimmer. Forms name how the binding reaches the value
 * (`ble://<device id>/...`); the hub derives the consumer TD with its own forms.
 */
import type { ThingDescription } from '../../gateway/binding.js';
import type { BthomeObjectSpec } from '../../protocols/bthome/bthome-objects.js';
import { BUTTON_EVENTS, DIMMER_EVENTS } from '../../protocols/bthome/bthome-objects.js';
import type { GattMapping } from '../../protocols/gatt/gatt-mapping.js';

const CONTEXT = ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1'];

function base(title: string, description: string): ThingDescription {
  return {
    '@context': CONTEXT,
    title,
    description,
    securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
    security: 'nosec_sc',
  };
}

const RSSI_PROPERTY = (deviceId: string) => ({
  type: 'integer', unit: 'dBm', readOnly: true, observable: true, description: 'Signal strength of the last advertisement',
  forms: [{ href: `ble://${deviceId}/rssi`, op: ['readproperty', 'observeproperty'] }],
});

/** A property or event schema for one BTHome object. */
function bthomeSchema(spec: BthomeObjectSpec): Record<string, unknown> {
  switch (spec.kind) {
    case 'number':
      return { type: 'number', ...(spec.unit ? { unit: spec.unit } : {}) };
    case 'binary':
      return { type: 'boolean' };
    case 'text':
      return { type: 'string' };
    case 'raw':
      return { type: 'string', contentEncoding: 'base16' };
    case 'timestamp':
      return { type: 'integer', unit: 's', description: 'Seconds since 1970-01-01 UTC' };
    case 'deviceInfo':
      return spec.name === 'deviceTypeId' ? { type: 'integer' } : { type: 'string' };
    case 'button':
      return { type: 'string', enum: Object.values(BUTTON_EVENTS) };
    case 'dimmer':
      return {
        type: 'object',
        properties: { event: { type: 'string', enum: Object.values(DIMMER_EVENTS) }, steps: { type: 'integer', minimum: 0 } },
      };
    case 'packetId':
      return { type: 'integer' };
  }
}

export const isBthomeEvent = (spec: BthomeObjectSpec): boolean => spec.kind === 'button' || spec.kind === 'dimmer';

/** TD of a passive BTHome sensor from the object keys it has sent so far. */
export function bthomeTd(deviceId: string, title: string, keys: ReadonlyMap<string, BthomeObjectSpec>, encrypted: boolean): ThingDescription {
  const properties: Record<string, unknown> = { rssi: RSSI_PROPERTY(deviceId) };
  const events: Record<string, unknown> = {};
  for (const [key, spec] of keys) {
    if (spec.kind === 'packetId') continue;
    const href = `ble://${deviceId}/bthome/${key}`;
    if (isBthomeEvent(spec)) events[key] = { data: bthomeSchema(spec), forms: [{ href, op: ['subscribeevent'] }] };
    else properties[key] = { ...bthomeSchema(spec), readOnly: true, observable: true, forms: [{ href, op: ['readproperty', 'observeproperty'] }] };
  }
  const td = base(title, `BTHome v2 sensor${encrypted ? ' (encrypted)' : ''}, advertising on service data 0xFCD2`);
  td['properties'] = properties;
  if (Object.keys(events).length > 0) td['events'] = events;
  return td;
}

function gattSchema(m: GattMapping): Record<string, unknown> {
  const type = m.type ?? 'uint';
  if (type === 'bool') return { type: 'boolean' };
  if (type === 'utf8') return { type: 'string' };
  if (type === 'bytes') return { type: 'string', contentEncoding: 'base16' };
  const integer = type !== 'float32' && (m.scale ?? 1) === 1;
  return { type: integer ? 'integer' : 'number', ...(m.unit ? { unit: m.unit } : {}) };
}

/** TD of a connectable GATT device from the mappings that apply to it. */
export function gattTd(deviceId: string, title: string, mappings: readonly GattMapping[], sleepy: boolean): ThingDescription {
  const properties: Record<string, unknown> = {};
  for (const m of mappings) {
    const op = ['readproperty', ...(m.notify ? ['observeproperty'] : []), ...(m.write ? ['writeproperty'] : [])];
    properties[m.name] = {
      ...gattSchema(m),
      ...(m.description ? { description: m.description } : {}),
      readOnly: !m.write,
      observable: Boolean(m.notify),
      forms: [{ href: `ble://${deviceId}/gatt/${m.service}/${m.characteristic}`, op }],
    };
  }
  const td = base(title, sleepy ? 'BLE GATT device (sleepy: reached when it advertises)' : 'BLE GATT device (always connected)');
  td['properties'] = properties;
  return td;
}
