/**
 * Values from devices meet their TD before they enter the twin or history: a property value that
 * does not fit its affordance's data schema, or names no property of the TD, is dropped and
 * counted, and logged once per thing and property (a device repeating the same mistake every
 * wake does not flood the log). Consumers such as node-wot validate what they read against the
 * TD, so a value that breaks it must never be served.
 */
import type { Logger } from 'pino';
import type { ThingDescription } from '../binding.js';
import type { ValueValidator } from './value-validator.js';

export interface DeviceValueGuardOptions {
  validator: ValueValidator;
  logger: Logger;
  /** Distinct (thing, property) pairs remembered as logged; beyond it drops are counted, not logged. */
  maxLogged?: number;
}

export class DeviceValueGuard {
  /** Values dropped since start. */
  dropped = 0;
  private readonly logged = new Set<string>();
  private readonly maxLogged: number;

  constructor(private readonly opts: DeviceValueGuardOptions) {
    this.maxLogged = opts.maxLogged ?? 10_000;
  }

  /** True when `value` may enter the twin and history as property `name` of the thing. */
  admit(td: ThingDescription, thingId: string, name: string, value: unknown, source: string): boolean {
    const why = this.opts.validator.propertyMismatch(td, name, value);
    if (why === null) return true;
    this.drop(thingId, name, source, why);
    return false;
  }

  /** Counts a value that is not kept, and logs it once per thing and property. */
  drop(thingId: string, name: string, source: string, why: string): void {
    this.dropped++;
    const key = `${thingId}\u0000${name}`;
    if (!this.logged.has(key) && this.logged.size < this.maxLogged) {
      this.logged.add(key);
      this.opts.logger.warn({ thingId, property: name, source, reason: why },
        'device value dropped: it does not fit its affordance in the TD, or has no JSON form (logged once per thing and affordance, counted in roost_device_values_dropped_total)');
    }
  }

  /** True when a stored value still fits (the twin may hold values from before a TD change). */
  fits(td: ThingDescription, name: string, value: unknown): boolean {
    return this.opts.validator.propertyMismatch(td, name, value) === null;
  }
}
