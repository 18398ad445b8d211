/**
 * What simulated Zigbee devices do on their own, one tick at a time, as data per profile:
 * sensors measure, the plug's load changes, buttons get pressed, doors open and close. Used by
 * `roost zigbee-sim` and available to fleet scenarios. Randomness comes from the caller.
 */
import type { SimDevice } from './sim-device.js';

export type Random = () => number;

type Act = (d: SimDevice, rnd: Random) => void;

const walk = (v: unknown, step: number, min: number, max: number, rnd: Random) => {
  const n = (typeof v === 'number' ? v : min) + Math.round((rnd() * 2 - 1) * step);
  return Math.max(min, Math.min(max, n));
};

/** Profile name -> one tick of its behaviour. */
export const ACTIVITY: Readonly<Record<string, Act>> = {
  // 0.01 °C and 0.01 %RH units (ZCL §4.4.2.2.1, §4.7.2.1.1).
  'temperature-humidity-sensor': (d, rnd) => {
    d.set(1, 0x0402, 0x0000, walk(d.get(1, 0x0402, 0x0000), 30, -1000, 4000, rnd));
    d.set(1, 0x0405, 0x0000, walk(d.get(1, 0x0405, 0x0000), 100, 0, 10000, rnd));
  },
  'smart-plug': (d, rnd) => {
    const on = d.get(1, 0x0006, 0x0000) === true;
    d.set(1, 0x0b04, 0x050b, on ? walk(d.get(1, 0x0b04, 0x050b), 20, 1, 2300, rnd) : 0);
  },
  'button-remote': (d, rnd) => {
    const presses = ['single', 'double', 'long'];
    d.press(presses[Math.floor(rnd() * presses.length)] ?? 'single');
  },
  // IAS zone status bit 0 (alarm 1) = open (ZCL §8.2.2.2.1.3).
  'door-sensor': (d) => {
    const status = d.get(2, 0x0500, 0x0002);
    d.set(2, 0x0500, 0x0002, typeof status === 'number' && status & 1 ? 0 : 1);
  },
};

/** One tick for every joined device whose profile has an activity. */
export function tick(devices: readonly SimDevice[], rnd: Random): number {
  let n = 0;
  for (const d of devices) {
    const act = ACTIVITY[d.profile.name];
    if (!act || !d.joined) continue;
    act(d, rnd);
    n++;
  }
  return n;
}
