/**
 * What the Zigbee binding keeps of a joined device, and the two requests the hub makes of one:
 * delivering a queued write or action (through the converters' `toZigbee`, via the stack), and a
 * live read of a property. Errors that mean "not reachable now" are retried by the hub's queue;
 * any other fails the item with its message (and its code for our own errors).
 */
import type { DeliveryOutcome, QueuedItem } from '../../gateway/binding.js';
import { RoostError, ThingNotFoundError } from '../../protocols/errors.js';
import type { DeviceTdResult } from './exposes-td.js';
import type { ReadWaiters } from './read-waiters.js';
import type { ZigbeeStack } from './zigbee-stack.js';

export interface DeviceEntry {
  ieee: string;
  thingId: string;
  sleepy: boolean;
  mainsPowered: boolean;
  /** null while provisional. */
  routes: DeviceTdResult | null;
  lastHeardMs: number;
  online: boolean;
  /** Last values converted from the device (answers reads of sleepy devices without radio). */
  values: Record<string, unknown>;
}

/** The binding's counters a delivery moves. */
export interface DeliveryCounters {
  deliveryRetries: number;
  deliveryFailures: number;
}

/** Errors that mean "the device or coordinator was not reachable now", worth a retry. */
const TRANSIENT = /timeout|timed out|data request failed|MAC_|NWK_|not connected|delivery failed|no response|disconnected/i;

/** Sends a queued write or action to the device (`d` undefined: not a device of this binding). */
export async function deliverToDevice(d: DeviceEntry | undefined, item: QueuedItem, stack: ZigbeeStack | null, counters: DeliveryCounters): Promise<DeliveryOutcome> {
  const route = item.kind === 'write' ? d?.routes?.properties[item.name] : d?.routes?.actions[item.name];
  if (!d || !route) {
    counters.deliveryFailures++;
    return { state: 'failed', error: `${item.thingId} has no ${item.kind === 'write' ? 'writable property' : 'action'} ${item.name}`, code: new ThingNotFoundError().code };
  }
  if (!stack) {
    counters.deliveryRetries++;
    return { state: 'retry', reason: 'coordinator not connected' };
  }
  try {
    const state = await stack.set(d.ieee, route.property, route.fixedValue ?? item.input);
    return item.kind === 'action' ? { state: 'completed', output: state } : { state: 'completed' };
  } catch (err) {
    const message = (err as Error).message;
    if (!(err instanceof RoostError) && TRANSIENT.test(message)) {
      counters.deliveryRetries++;
      return { state: 'retry', reason: message };
    }
    counters.deliveryFailures++;
    return { state: 'failed', error: message, ...(err instanceof RoostError ? { code: err.code } : {}) };
  }
}

export interface ReadDeps {
  stack: ZigbeeStack | null;
  reads: ReadWaiters;
  readTimeoutMs: number;
}

/** Live read of an always-on device (the converters' get); a sleepy one answers from what it last said. */
export async function readFromDevice(d: DeviceEntry | undefined, thingId: string, name: string, deps: ReadDeps): Promise<unknown> {
  const route = d?.routes?.properties[name];
  if (!d || !route) throw new ThingNotFoundError(`${thingId} has no property ${name}`, { thingId, name });
  const { stack, reads, readTimeoutMs } = deps;
  if (d.sleepy || !route.gettable || !stack) return d.values[route.property];
  const answer = reads.wait(d.ieee, route.property, readTimeoutMs, `${thingId} did not answer a read of ${name} within ${readTimeoutMs} ms`);
  // The read ends with the answer, the request's failure or readTimeoutMs, whichever comes first;
  // the others settle observed (an unobserved rejection would end the process).
  const sent = stack.get(d.ieee, route.property).then(() => answer);
  return Promise.race([answer, sent]);
}

/** Thing device id: the IEEE address as 16 lowercase hex digits. */
export function deviceIdOf(ieee: string): string {
  return ieee.replace(/^0x/, '').toLowerCase();
}

/** herdsman's IEEE address form (`0x` + 16 hex digits) of a thing device id. */
export function ieeeOf(deviceId: string): string {
  return `0x${deviceId.toLowerCase()}`;
}
