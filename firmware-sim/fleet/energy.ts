/**
 * The energy model: a pure function of what a device sent and received (datagrams and bytes
 * each way, wakes) and the scenario's radio figures. Nothing here reads a clock, so the same
 * traffic always gives the same figures.
 *
 * Radio-on time per wake = start-up (wakeOverheadMs) + the listening window after the uplink
 * (rxWindowMs) + air time of every datagram (payload + frameOverheadBytes, at bitrateKbps);
 * a BLE link adds connectedMs x connectedDutyCycle (the share of a connection the radio is on).
 * Transmit time is charged at txCurrentMa, everything else the radio is on at rxCurrentMa, the
 * rest of the time at sleepCurrentUa.
 */
import type { EnergySpec } from './scenario.js';

/** Traffic of one device over some time (one wake, or a whole run). */
export interface Traffic {
  wakes: number;
  datagramsUp: number;
  bytesUp: number;
  datagramsDown: number;
  bytesDown: number;
  /** Time connected to the gateway (BLE links), charged at rx current: a connection event every interval. */
  connectedMs?: number;
}

export interface RadioTime {
  txMs: number;
  rxMs: number;
}

const MS_PER_HOUR = 3_600_000;

export function emptyTraffic(): Traffic {
  return { wakes: 0, datagramsUp: 0, bytesUp: 0, datagramsDown: 0, bytesDown: 0 };
}

export function addTraffic(into: Traffic, t: Traffic): void {
  into.wakes += t.wakes;
  into.datagramsUp += t.datagramsUp;
  into.bytesUp += t.bytesUp;
  into.datagramsDown += t.datagramsDown;
  into.bytesDown += t.bytesDown;
  if (t.connectedMs !== undefined) into.connectedMs = (into.connectedMs ?? 0) + t.connectedMs;
}

/** Air time in ms of `bytes` at the scenario bitrate (kbit/s = bit/ms). */
export function airtimeMs(bytes: number, e: EnergySpec): number {
  return (bytes * 8) / e.bitrateKbps;
}

export function radioTime(t: Traffic, e: EnergySpec): RadioTime {
  return {
    txMs: airtimeMs(t.bytesUp + t.datagramsUp * e.frameOverheadBytes, e),
    rxMs: t.wakes * (e.wakeOverheadMs + e.rxWindowMs) + airtimeMs(t.bytesDown + t.datagramsDown * e.frameOverheadBytes, e) + (t.connectedMs ?? 0) * e.connectedDutyCycle,
  };
}

/** Charge (mAh) the radio used for this traffic. */
export function radioChargeMah(t: Traffic, e: EnergySpec): number {
  const r = radioTime(t, e);
  return (r.txMs * e.txCurrentMa + r.rxMs * e.rxCurrentMa) / MS_PER_HOUR;
}

/** Charge (mAh) of sleeping for `ms`. */
export function sleepChargeMah(ms: number, e: EnergySpec): number {
  return ((e.sleepCurrentUa / 1000) * Math.max(0, ms)) / MS_PER_HOUR;
}

export interface EnergyFigures {
  radioOnMsPerWake: number;
  bytesUpPerWake: number;
  bytesDownPerWake: number;
  chargeMah: number;
  averageCurrentUa: number;
  /** Estimated life of a full battery at this average current. */
  batteryLifeDays: number;
}

/** Figures for one device (or a whole class) that ran `elapsedMs` with this traffic. */
export function energyFigures(t: Traffic, elapsedMs: number, e: EnergySpec): EnergyFigures {
  const r = radioTime(t, e);
  const onMs = r.txMs + r.rxMs;
  const chargeMah = radioChargeMah(t, e) + sleepChargeMah(elapsedMs - onMs, e);
  const averageMa = elapsedMs > 0 ? chargeMah / (elapsedMs / MS_PER_HOUR) : 0;
  const perWake = (x: number): number => (t.wakes > 0 ? x / t.wakes : 0);
  return {
    radioOnMsPerWake: perWake(onMs),
    bytesUpPerWake: perWake(t.bytesUp),
    bytesDownPerWake: perWake(t.bytesDown),
    chargeMah,
    averageCurrentUa: averageMa * 1000,
    batteryLifeDays: averageMa > 0 ? e.batteryMah / averageMa / 24 : Infinity,
  };
}

/**
 * Radio-on time and charge of exchanges inside a wake (an EDHOC enrolment): the air time of their
 * datagrams plus a listening window (rxWindowMs) for each answer. The wake's start-up is not in it:
 * the wake that enrols pays that anyway.
 */
export function exchangeCost(t: Omit<Traffic, 'wakes'>, roundTrips: number, e: EnergySpec): { radioOnMs: number; chargeMah: number } {
  const r = radioTime({ ...t, wakes: 0 }, e);
  const rxMs = r.rxMs + roundTrips * e.rxWindowMs;
  return { radioOnMs: r.txMs + rxMs, chargeMah: (r.txMs * e.txCurrentMa + rxMs * e.rxCurrentMa) / MS_PER_HOUR };
}
