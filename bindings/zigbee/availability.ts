/**
 * Availability of Zigbee devices, as Zigbee2MQTT does it: a mains-powered device not heard
 * from for mainsTimeoutMs is pinged and is offline when it does not answer; a battery device
 * is never pinged (it sleeps) and is offline when not heard from for batteryTimeoutMs.
 */
export interface AvailabilityOptions {
  mainsTimeoutMs: number;
  batteryTimeoutMs: number;
}

export interface AvailabilityDevice {
  key: string;
  mainsPowered: boolean;
  lastHeardMs: number;
}

export type AvailabilityVerdict = 'online' | 'offline' | 'ping';

/** What to do about one device now. Pure. */
export function availabilityVerdict(d: AvailabilityDevice, nowMs: number, o: AvailabilityOptions): AvailabilityVerdict {
  const silentMs = nowMs - d.lastHeardMs;
  if (d.mainsPowered) return silentMs > o.mainsTimeoutMs ? 'ping' : 'online';
  return silentMs > o.batteryTimeoutMs ? 'offline' : 'online';
}

/** A device as the sweep sees it: its verdict's inputs and its current online state. */
export interface SweptDevice {
  ieee: string;
  mainsPowered: boolean;
  lastHeardMs: number;
  online: boolean;
}

export interface SweepDeps<D extends SweptDevice> {
  now(): number;
  /** Resolves when the device answered, rejects when it did not. */
  ping(ieee: string): Promise<void>;
  /** The device's online state changes (the binding tells the hub). */
  setOnline(d: D, online: boolean): void;
  counters: { pings: number; pingFailures: number };
}

/** One pass: silent mains devices are pinged, battery devices judged by their silence alone. */
export async function sweepAvailability<D extends SweptDevice>(devices: readonly D[], deps: SweepDeps<D>, o: AvailabilityOptions): Promise<void> {
  for (const d of devices) {
    const verdict = availabilityVerdict({ key: d.ieee, mainsPowered: d.mainsPowered, lastHeardMs: d.lastHeardMs }, deps.now(), o);
    let online = verdict !== 'offline';
    if (verdict === 'ping') {
      deps.counters.pings++;
      try {
        await deps.ping(d.ieee);
        d.lastHeardMs = deps.now();
      } catch {
        deps.counters.pingFailures++;
        online = false;
      }
    }
    if (online !== d.online) deps.setOnline(d, online);
  }
}
