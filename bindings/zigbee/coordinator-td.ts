/**
 * The native TD of the coordinator's own thing (`urn:roost:zigbee:coordinator`): network
 * parameters and whether joining is open as properties, permit-join as an action.
 */
import type { ThingDescription } from '../../gateway/binding.js';
import { TD_CONTEXT } from './exposes-td.js';

export const COORDINATOR_DEVICE_ID = 'coordinator';
/** Zigbee caps one permit-join broadcast at 254 s (05-3474 §2.4.3.3.7; 255 = forever, not offered). */
export const MAX_PERMIT_JOIN_S = 254;

export function coordinatorTd(): ThingDescription {
  const ro = (href: string, schema: Record<string, unknown>) => ({ ...schema, readOnly: true, observable: true, forms: [{ href, op: ['readproperty', 'observeproperty', 'unobserveproperty'] }] });
  return {
    '@context': TD_CONTEXT,
    title: 'Zigbee coordinator',
    description: 'The Zigbee network of this gateway: its coordinator stick, network parameters and joining.',
    securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
    security: 'nosec_sc',
    properties: {
      permitJoin: ro('zigbee://coordinator/permitJoin', { type: 'boolean', description: 'Whether new devices may join now' }),
      channel: ro('zigbee://coordinator/channel', { type: 'integer', minimum: 11, maximum: 26 }),
      panId: ro('zigbee://coordinator/panId', { type: 'integer', minimum: 0, maximum: 65535 }),
      ieeeAddress: ro('zigbee://coordinator/ieeeAddress', { type: 'string' }),
    },
    actions: {
      permitJoin: {
        description: 'Opens the network for new devices for durationS seconds (0 closes it)',
        input: { type: 'object', properties: { durationS: { type: 'integer', minimum: 0, maximum: MAX_PERMIT_JOIN_S } }, required: ['durationS'] },
        output: { type: 'object', properties: { durationS: { type: 'integer' } } },
        forms: [{ href: 'zigbee://coordinator/permitJoin', op: 'invokeaction' }],
      },
    },
  };
}
