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
