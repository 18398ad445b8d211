/**
 * The radio all BLE devices of a run share: firmware-sim/ble's simulated central on a virtual
 * clock that follows the runner's simulated time (moved once per step, so a connection's time
 * on air depends on the scenario, not on how fast the gateway answers). The gateway's BLE
 * binding uses this central as its own, which is why BLE kinds need the gateway in-process.
 * GATT sessions are taken one at a time, as one controller makes its connects one at a time.
 */
import { SimCentral } from '../../ble/sim-central.js';
import { VirtualClock } from '../../ble/virtual-clock.js';
import type { DeviceContext } from '../device-model.js';

/** Virtual epoch of simulated second 0. */
const EPOCH_MS = Date.UTC(2026, 0, 1);

/** Links the simulated controller holds (the binding's own `maxConnections` is set from the fleet). */
export const AIR_MAX_LINKS = 32;

export class BleAir {
  readonly clock = new VirtualClock(EPOCH_MS);
  readonly central: SimCentral;
  private sessions: Promise<void> = Promise.resolve();

  constructor() {
    this.central = new SimCentral({ clock: this.clock, controllerMaxConnections: AIR_MAX_LINKS, seed: 1 });
  }

  /** Moves the air's clock up to the runner's current step (never back). */
  async at(simMs: number): Promise<void> {
    const target = EPOCH_MS + simMs;
    if (target > this.clock.now()) await this.clock.advance(target - this.clock.now());
  }

  /** Runs `work` when the sessions before it are done. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.sessions.then(work);
    this.sessions = run.then(() => undefined, () => undefined);
    return run;
  }

  close(): Promise<void> {
    return this.central.close();
  }
}

/** The run's air, made on first use. */
export function bleAir(ctx: DeviceContext): BleAir {
  return ctx.shared.get('ble-air', () => new BleAir());
}

/** A MAC address from a 3-byte prefix and the device's position in the run. */
export function macOf(prefix: string, index: number): string {
  const n = index & 0xffffff;
  return `${prefix}:${[n >> 16, (n >> 8) & 0xff, n & 0xff].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

/** Thing id the BLE binding gives a device: `urn:roost:ble:<mac without colons>`. */
export function bleThingId(mac: string): string {
  return `urn:roost:ble:${mac.replace(/:/g, '')}`;
}

/** Radio figures of BLE devices: 1 Mbit/s PHY, a coin cell, an nRF52-class SoC at 0 dBm. */
export const BLE_ENERGY = {
  batteryMah: 220,
  sleepCurrentUa: 2,
  txCurrentMa: 5.3,
  rxCurrentMa: 5.4,
  bitrateKbps: 1000,
  // Preamble 1 + access address 4 + PDU header 2 + AdvA 6 + CRC 3 (Core Spec Vol 6 Part B §2.1, §2.3).
  frameOverheadBytes: 16,
  wakeOverheadMs: 0.5,
  rxWindowMs: 0,
  connectedDutyCycle: 0.05,
} as const;
