/**
 * The observations the gateway keeps on LwM2M devices (TS Core §6.4.1): each path in a
 * registration's `observed` list is observed with a token of ours, established again after a
 * Register (which cancels a device's observations) or a gateway restart (which loses the tokens);
 * a path the device refuses is dropped from the list. Notifications go to `notified`.
 */
import { randomBytes } from 'node:crypto';
import { parsePath, type ResourceValue } from '../../../protocols/lwm2m/index.js';
import type { Remote } from '../coap-endpoint.js';
import type { CoapMessage } from '../coap-message.js';
import type { Lwm2mRegistration } from './lwm2m-registrations.js';
import { DeviceAnswerError, type Lwm2mRequests } from './lwm2m-requests.js';

export interface ObservationDeps {
  requests: Lwm2mRequests;
  /** The endpoint stops routing a token's notifications. */
  forget(remote: Remote, token: Buffer): void;
  /** The registration changed (its observed paths): stored. */
  save(reg: Lwm2mRegistration): void;
  /** Values the first answer of an observation carries. */
  report(reg: Lwm2mRegistration, values: readonly ResourceValue[]): void;
  /** A notification on one of our tokens. */
  notified(reg: Lwm2mRegistration, path: readonly number[], n: CoapMessage): void;
}

export class Lwm2mObservations {
  /** Endpoints whose observations are being established (one pass at a time per device). */
  private readonly establishing = new Set<string>();

  constructor(private readonly d: ObservationDeps) {}

  /** Observes every listed path the gateway has no token for; stops at the first error that is not a refusal (a timeout: the device sleeps). */
  async establish(reg: Lwm2mRegistration): Promise<void> {
    if (this.establishing.has(reg.ep)) return;
    this.establishing.add(reg.ep);
    try {
      for (const path of [...reg.observed]) {
        if (reg.tokens.has(path)) continue;
        try {
          await this.observe(reg, path);
        } catch (err) {
          if (!(err instanceof DeviceAnswerError)) return;
          // The device has no such path (any more): stop asking.
          reg.observed = reg.observed.filter((p) => p !== path);
          this.d.save(reg);
        }
      }
    } finally {
      this.establishing.delete(reg.ep);
    }
  }

  /** Observes `path` with a new token; kept in the registration so it is established again after a Register or a restart. */
  async observe(reg: Lwm2mRegistration, path: string): Promise<ResourceValue[]> {
    const old = reg.tokens.get(path);
    if (old) this.d.forget(reg.remote, old);
    const token = randomBytes(4);
    reg.tokens.set(path, token);
    const p = parsePath(path);
    try {
      const values = await this.d.requests.observe(reg, p, token, (n) => this.d.notified(reg, p, n));
      if (!reg.observed.includes(path)) {
        reg.observed.push(path);
        this.d.save(reg);
      }
      this.d.report(reg, values);
      return values;
    } catch (err) {
      reg.tokens.delete(path);
      throw err;
    }
  }

  /** Cancels the observation of `path` on the device and takes it off the list. */
  async cancel(reg: Lwm2mRegistration, path: string): Promise<void> {
    const token = reg.tokens.get(path);
    reg.tokens.delete(path);
    reg.observed = reg.observed.filter((x) => x !== path);
    this.d.save(reg);
    if (token) await this.d.requests.cancelObserve(reg, parsePath(path), token);
  }

  /** Forgets our tokens (the list stays): after a Register the device has dropped its observations (§6.4.1). */
  drop(reg: Lwm2mRegistration): void {
    for (const t of reg.tokens.values()) this.d.forget(reg.remote, t);
    reg.tokens.clear();
  }
}

/** Objects observed from registration on: IPSO Smart Objects (3200 and above) carry the readings. */
const AUTO_OBSERVE_FROM = 3200;

/** What stays observed: earlier paths still announced, else the IPSO object instances. */
export function observedPaths(reg: Lwm2mRegistration, earlier: readonly string[] | undefined): string[] {
  const announced = new Set(reg.objects.flatMap((o) => o.instances.map((i) => `/${o.objectId}/${i}`)));
  const kept = (earlier ?? []).filter((p) => announced.has(p.split('/').slice(0, 3).join('/')));
  if (earlier && earlier.length > 0) return kept;
  return reg.objects.filter((o) => o.objectId >= AUTO_OBSERVE_FROM).flatMap((o) => o.instances.map((i) => `/${o.objectId}/${i}`));
}
