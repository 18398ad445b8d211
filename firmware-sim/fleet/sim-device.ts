/**
 * One device as the runner tracks it: its model, its random streams, its wake schedule (interval,
 * jitter, clock drift), its battery and what it sent and received.
 */
import type { ActionClient } from './action-client.js';
import type { DeviceSecrets } from './credentials.js';
import type { DeviceKind, FleetDevice, GatewayAddress, ReceivedCommand, SharedResources } from './device-model.js';
import { addTraffic, emptyTraffic, radioChargeMah, sleepChargeMah, type Traffic } from './energy.js';
import { FaultyLink, planDevice, rebootsNow, type DevicePlan, type FaultCounters } from './faults.js';
import { makeReadings } from './generators.js';
import { Prng } from './prng.js';
import type { DeviceGroup, EnergySpec, FaultSpec } from './scenario.js';

export interface SentReading {
  tMs: number;
  values: Record<string, number>;
  acknowledged: boolean;
}

/** What the runner shares with every device. */
export interface DeviceEnv {
  gateway: Readonly<GatewayAddress>;
  shared: SharedResources;
  simNow(): number;
  hub(): ActionClient;
  /** OSCORE keys or EDHOC keys of the CoAP devices, by device id (credentials.ts). */
  credentials: ReadonlyMap<string, DeviceSecrets>;
}

export class SimDevice {
  readonly model: FleetDevice;
  readonly plan: DevicePlan;
  readonly link: FaultyLink;
  /** Next wake, simulated ms since the start. */
  nextWakeMs: number;
  alive = true;
  /** Its start() has ended (a device pairing in the background skips its wakes until then). */
  poweredOn = false;
  /** Wakes were skipped while it paired: it wakes as soon as it is on. */
  missedWakes = false;
  depletedAtMs: number | null = null;
  /** Simulated ms of the wake in progress (null between wakes): when a command it takes is executed. */
  wakingAtMs: number | null = null;
  wakes = 0;
  readingsSent = 0;
  readingsAcknowledged = 0;
  errors = 0;
  lastError: string | undefined;
  readonly log: SentReading[] = [];
  private readonly schedule: Prng;
  private readonly rebootPrng: Prng;
  private readonly readings: (tMs: number) => Record<string, number>;
  private readonly spent = emptyTraffic();

  constructor(
    readonly deviceId: string,
    index: number,
    readonly kindName: string,
    readonly kind: DeviceKind,
    private readonly group: DeviceGroup,
    seed: Prng,
    faults: FaultSpec,
    /** Radio figures of this device: the scenario's, under its kind's and its group's. */
    readonly energy: EnergySpec,
    env: DeviceEnv,
    counters: FaultCounters,
    onCommand: (device: SimDevice, cmd: ReceivedCommand) => void,
  ) {
    const prng = seed.fork(deviceId);
    this.schedule = prng.fork('schedule');
    this.rebootPrng = prng.fork('reboot');
    this.plan = planDevice(faults, energy.batteryMah, kind.power === 'battery', prng.fork('plan'));
    this.link = new FaultyLink(faults, prng.fork('link'), counters);
    this.readings = makeReadings(group.readings, prng.fork('readings'));
    this.nextWakeMs = Math.floor(this.schedule.uniform(0, group.wakeIntervalS * 1000));
    this.model = kind.create({
      deviceId,
      index,
      gateway: env.gateway,
      shared: env.shared,
      simNow: env.simNow,
      hub: env.hub,
      link: this.link,
      options: group.options,
      readings: Object.keys(group.readings),
      driftPpm: this.plan.driftPpm,
      onCommand: (cmd) => onCommand(this, cmd),
      ...env.credentials.get(deviceId),
    });
  }

  /** Traffic so far, wakes included. */
  traffic(): Traffic {
    const t = this.model.traffic();
    return { wakes: this.wakes, ...t };
  }

  /** Charge left at simulated time tMs (Infinity for mains devices). */
  chargeLeftMah(tMs: number): number {
    if (this.plan.startChargeMah === Infinity) return Infinity;
    return this.plan.startChargeMah - radioChargeMah(this.traffic(), this.energy) - sleepChargeMah(tMs, this.energy);
  }

  /** One wake at simulated time tMs; schedules the next. */
  async wake(tMs: number, faults: FaultSpec, counters: FaultCounters, record: boolean): Promise<void> {
    if (this.chargeLeftMah(tMs) <= 0) {
      this.alive = false;
      this.depletedAtMs = tMs;
      counters.depleted++;
      await this.model.stop();
      return;
    }
    this.scheduleNext(tMs);
    const values = this.readings(tMs);
    const reboot = rebootsNow(faults, this.rebootPrng);
    this.wakes++;
    this.wakingAtMs = tMs;
    try {
      if (reboot) {
        counters.reboots++;
        await this.model.reboot();
      }
      const r = await this.model.wake(values);
      const n = Object.keys(values).length;
      this.readingsSent += n;
      if (r.acknowledged) this.readingsAcknowledged += n;
      if (record) this.log.push({ tMs, values: r.sent ?? values, acknowledged: r.acknowledged });
    } catch (err) {
      this.errors++;
      this.lastError = (err as Error).message;
      if (record) this.log.push({ tMs, values, acknowledged: false });
    } finally {
      this.wakingAtMs = null;
    }
  }

  /** Passes over a wake that is due while the device is not on yet (still pairing). */
  skipWake(): void {
    this.missedWakes = true;
    this.scheduleNext(this.nextWakeMs);
  }

  private scheduleNext(fromMs: number): void {
    const g = this.group;
    const intervalMs = (g.wakeIntervalS + this.schedule.uniform(-g.wakeJitterS, g.wakeJitterS)) * 1000;
    this.nextWakeMs = fromMs + Math.max(1, Math.round(intervalMs * (1 + this.plan.driftPpm / 1e6)));
  }

  /** Adds this device's traffic into a sum. */
  addTo(sum: Traffic): void {
    addTraffic(sum, this.traffic());
  }
}
