/**
 * A queued item of an LwM2M thing as the request that carries it to the device (TS Core §6.3,
 * §6.4): a property write is a Write of its resource, an action on an `E` resource an Execute,
 * the `lwm2m_*` actions the operations they name, `firmware_update` a firmware job. Each answer
 * maps to the item's state: 2.xx completed (with what a read returned), 4.xx/5.xx failed, no
 * answer (the device sleeps) retry at its next wake.
 */
import type { DeliveryOutcome, QueuedItem } from '../../../gateway/binding.js';
import { DeviceTimeoutError, RoostError } from '../../../protocols/errors.js';
import { formatPath, parsePath, type ObjectModels, type ResourceValue } from '../../../protocols/lwm2m/index.js';
import type { FirmwareJobs } from './firmware-jobs.js';
import type { Lwm2mRegistration } from './lwm2m-registrations.js';
import { DeviceAnswerError, type Lwm2mRequests } from './lwm2m-requests.js';
import { FIRMWARE_ACTION, toJson, toLwm2m, type Lwm2mThing } from './lwm2m-things.js';

export interface OperationDeps {
  requests: Lwm2mRequests;
  models: ObjectModels;
  firmware: FirmwareJobs;
  /** Values read from the device go to the twin. */
  report(reg: Lwm2mRegistration, values: readonly ResourceValue[]): void;
  observe(reg: Lwm2mRegistration, path: string): Promise<ResourceValue[]>;
  cancelObservation(reg: Lwm2mRegistration, path: string): Promise<void>;
}

type Input = Record<string, unknown>;

const valuesJson = (values: readonly ResourceValue[]): Record<string, unknown> => Object.fromEntries(values.map((v) => [v.path, toJson(v.value)]));

export async function deliverOperation(d: OperationDeps, reg: Lwm2mRegistration, thing: Lwm2mThing, item: QueuedItem): Promise<DeliveryOutcome> {
  try {
    if (item.name === FIRMWARE_ACTION) {
      const out = await d.firmware.start(reg, item.id, item.input as { package: string; method?: 'push' | 'pull'; version?: string });
      return out ?? { state: 'delivered' };
    }
    const output = await run(d, reg, thing, item);
    return output === undefined ? { state: 'completed' } : { state: 'completed', output };
  } catch (err) {
    if (err instanceof DeviceTimeoutError) return { state: 'retry', reason: err.message };
    if (err instanceof DeviceAnswerError) return { state: 'failed', error: err.message, code: `COAP_${err.answer.replace('.', '_')}` };
    if (err instanceof RoostError) return { state: 'failed', error: err.message, code: err.code };
    return { state: 'retry', reason: (err as Error).message };
  }
}

async function run(d: OperationDeps, reg: Lwm2mRegistration, thing: Lwm2mThing, item: QueuedItem): Promise<unknown> {
  const r = d.requests;
  const target = thing.targets.get(item.name);
  if (target) {
    if (item.kind === 'write') return void (await r.write(reg, target.path, toLwm2m(target.path, item.input, d.models)));
    // §6.3.6: an executable resource's argument is text; an object input is not one.
    return void (await r.execute(reg, target.path, typeof item.input === 'string' ? item.input : ''));
  }
  const input = (item.input ?? {}) as Input;
  const path = typeof input['path'] === 'string' ? parsePath(input['path']) : [];
  switch (item.name) {
    case 'lwm2m_read': {
      const values = await r.read(reg, path, input['format'] as number | undefined);
      d.report(reg, values);
      return { values: valuesJson(values) };
    }
    case 'lwm2m_discover':
      return { links: await r.discover(reg, path) };
    case 'lwm2m_write': {
      const given = input['values'] as Record<string, unknown>;
      const values = Object.entries(given).flatMap(([p, v]) => toLwm2m(parsePath(p), v, d.models));
      await r.write(reg, path, values, { partial: input['partial'] === true, ...(typeof input['format'] === 'number' ? { format: input['format'] } : {}) });
      return undefined;
    }
    case 'lwm2m_write_attributes':
      return void (await r.writeAttributes(reg, path, input['attributes'] as Record<string, number | null>));
    case 'lwm2m_execute':
      return void (await r.execute(reg, path, typeof input['arguments'] === 'string' ? input['arguments'] : ''));
    case 'lwm2m_observe': {
      const values = await d.observe(reg, formatPath(path));
      return { values: valuesJson(values) };
    }
    case 'lwm2m_cancel_observation':
      return void (await d.cancelObservation(reg, formatPath(path)));
    case 'lwm2m_read_composite': {
      const values = await r.readComposite(reg, input['paths'] as string[], input['format'] as number | undefined);
      d.report(reg, values);
      return { values: valuesJson(values) };
    }
    default:
      throw new RoostError('AFFORDANCE_NOT_FOUND', `device has no ${item.name}`);
  }
}
