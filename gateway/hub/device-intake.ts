/**
 * What devices report, on its way into the hub: a property value checked against its thing's TD,
 * the device's time stamp bounded (store.maxClockSkewMs), then history, twin and bus in that
 * order; an event likewise, without the TD check. History goes first because it writes the value
 * as JSON: a value without a JSON form (a BigInt, a structure too deep to serialize) must reach
 * neither the twin nor consumers, whose every read of the thing would then fail, and is dropped
 * and counted rather than thrown into the binding that reported it.
 */
import type { EventBus } from './event-bus.js';
import type { DeviceValueGuard } from './device-value-guard.js';
import type { Directory } from './directory.js';
import type { HubCounters } from './hub-api.js';
import type { Twin } from './twin.js';
import type { TwinValue } from './types.js';
import type { HistoryStore } from '../store/history-store.js';

export interface DeviceIntakeDeps {
  directory: Pick<Directory, 'find'>;
  valueGuard: DeviceValueGuard;
  historyStore: Pick<HistoryStore, 'append'>;
  twin: Pick<Twin, 'set'>;
  bus: Pick<EventBus, 'publish'>;
  /** The hub's counters this adds to. */
  stats: Pick<HubCounters, 'propertiesIn' | 'eventsIn' | 'deviceTimesClamped'>;
  now: () => number;
  /** How far ahead of the gateway's clock a device's time stamp may be (ms). */
  maxClockSkewMs: number;
}

export class DeviceIntake {
  constructor(private readonly d: DeviceIntakeDeps) {}

  /** Twin + history + bus for one property value; false when it was dropped (unknown thing, not fitting the TD, no JSON form). */
  property(thingId: string, name: string, value: unknown, ts: number, source: string): boolean {
    const d = this.d;
    const t = d.directory.find(thingId);
    if (!t || !d.valueGuard.admit(t.nativeTd, thingId, name, value, source)) return false;
    d.stats.propertiesIn++;
    const now = d.now();
    const horizon = now + d.maxClockSkewMs;
    const at = this.deviceTime(ts, now, horizon);
    try {
      d.historyStore.append(thingId, name, 'property', at, value);
    } catch (err) {
      d.valueGuard.drop(thingId, name, source, `the value has no JSON form: ${(err as Error).message}`);
      return false;
    }
    const tv: TwinValue = { value, ts: at, source };
    // A twin value stamped beyond the horizon (stored before times were bounded) blocks nothing.
    if (d.twin.set(thingId, name, tv, horizon)) d.bus.publish({ type: 'property', thingId, name, value, ts: at, source });
    return true;
  }

  /** History + bus for one event; false when its data has no JSON form. */
  event(thingId: string, name: string, data: unknown, ts: number): boolean {
    const d = this.d;
    const now = d.now();
    const at = this.deviceTime(ts, now, now + d.maxClockSkewMs);
    try {
      d.historyStore.append(thingId, name, 'event', at, data);
    } catch (err) {
      d.valueGuard.drop(thingId, name, 'event', `the event's data has no JSON form: ${(err as Error).message}`);
      return false;
    }
    d.stats.eventsIn++;
    d.bus.publish({ type: 'event', thingId, name, data, ts: at });
    return true;
  }

  /** A device's time stamp, or its arrival time when it is later than `horizon` or not a number (NaN, Infinity). */
  private deviceTime(ts: number, now: number, horizon: number): number {
    if (ts <= horizon) return ts;
    this.d.stats.deviceTimesClamped++;
    return now;
  }
}
