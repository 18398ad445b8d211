/**
 * The BindingContext one binding gets: registration, telemetry and the awake/queue calls,
 * scoped to that binding's things.
 */
import type { BindingContext, ThingRegistration } from '../binding.js';
import { ThingNotFoundError } from '../../protocols/errors.js';
import { thingIdFor } from './directory.js';
import type { Hub } from './hub.js';

export function bindingContext(hub: Hub, name: string, dataDir: string): BindingContext {
  const logger = hub.logger.child({ binding: name });
  const own = (thingId: string) => {
    const t = hub.directory.find(thingId);
    if (!t || t.binding !== name) throw new ThingNotFoundError(`binding ${name} has no thing ${thingId}`, { thingId });
    return t;
  };
  return {
    logger,
    dataDir,
    now: hub.now,
    registerThing(reg: ThingRegistration): string {
      const t = hub.directory.register(name, reg);
      if (reg.maxInFlight !== undefined) hub.maxInFlight.set(t.id, reg.maxInFlight);
      if (reg.push === false) hub.answerOnly.add(t.id);
      else hub.answerOnly.delete(t.id);
      hub.setOnline(t.id, true);
      return t.id;
    },
    removeThing(thingId: string): void {
      own(thingId);
      hub.directory.tombstone(thingId);
      hub.queue.cancelAll(thingId, 'device left');
    },
    thingId: (deviceId: string) => thingIdFor(name, deviceId),
    hasThing: (thingId: string) => hub.directory.find(thingId)?.binding === name,
    reportProperties(thingId: string, values: Record<string, unknown>, ts?: number): void {
      own(thingId);
      const at = ts ?? hub.now();
      // for..in rather than Object.entries: no array per report and per value (issue 20).
      for (const prop in values) if (Object.hasOwn(values, prop)) hub.recordProperty(thingId, prop, values[prop], at, name);
    },
    emitEvent(thingId: string, event: string, data: unknown, ts?: number): void {
      own(thingId);
      hub.recordEvent(thingId, event, data, ts ?? hub.now());
    },
    setOnline(thingId: string, online: boolean): void {
      own(thingId);
      hub.setOnline(thingId, online);
    },
    awake(thingId: string, windowMs?: number): void {
      own(thingId);
      hub.setOnline(thingId, true);
      const w = windowMs ?? hub.config.queue.awakeWindowMs;
      hub.bus.publish({ type: 'awake', thingId, untilMs: hub.now() + w, ts: hub.now() });
      hub.queue.awake(thingId, w);
    },
    asleep(thingId: string): void {
      own(thingId);
      hub.queue.asleep(thingId);
    },
    complete(itemId, outcome): void {
      hub.queue.complete(itemId, outcome);
    },
    pending: (thingId: string) => hub.queue.pending(thingId),
    take(thingId: string, windowMs?: number) {
      own(thingId);
      hub.setOnline(thingId, true);
      const w = windowMs ?? hub.config.queue.awakeWindowMs;
      hub.bus.publish({ type: 'awake', thingId, untilMs: hub.now() + w, ts: hub.now() });
      return hub.queue.take(thingId, w);
    },
    committed: () => hub.historyStore.committed(),
    admission: (deviceId: string) => hub.onboarding.admission(name, deviceId),
    requestAdmission: (claim) => hub.onboarding.requestAdmission(name, claim),
    findByOscoreKid: (kidHex: string) => hub.onboarding.findByOscoreKid(name, kidHex),
    findByPublicKey: (fingerprint: string) => hub.onboarding.findByPublicKey(name, fingerprint),
    onAdmissionChange: (listener) => hub.onboarding.onAdmissionChange(name, listener),
    store: {
      load: () => hub.historyStore.loadState(name),
      put: (key: string, value: unknown) => hub.historyStore.putState(name, key, value),
      delete: (key: string) => hub.historyStore.putState(name, key, undefined),
    },
  };
}
