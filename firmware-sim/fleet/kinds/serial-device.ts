/**
 * Fleet adapters for firmware-sim/serial's SerialMcu, each on its own socat pseudo-terminal pair:
 * `serial-mcu`, one thing (sleepy unless `sleepy: false`), and `serial-hub`, one MCU carrying
 * `units` things that all report the device's readings. A sleepy MCU at a wake says it is
 * awake, sends its readings, takes the commands the gateway hands it until `listenMs` pass
 * without one, and sleeps. Wired, so no battery figures; its clock drifts with the scenario's.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeviceNotFoundError, DeviceTimeoutError } from '../../../protocols/errors.js';
import type { Description } from '../../../protocols/serial/serial-describe.js';
import { openPty, SerialMcu, type McuCommand, type McuMemory } from '../../serial/index.js';
import type { DeviceContext, DeviceKind, FleetDevice, GatewayNeeds, WakeResult } from '../device-model.js';
import { FaultyPort } from './faulty-port.js';
import { SocatPty } from './socat-pty.js';

/** How long a powered-on MCU waits to be asked for its description (the gateway re-asks hello every 2 s). */
const DESCRIBE_TIMEOUT_MS = 10_000;

interface SerialDeviceOptions {
  units: number;
  sleepy: boolean;
  /** Quiet time after the last command before a sleepy MCU sleeps again. */
  listenMs: number;
  /** Link-layer ack timeout of the MCU. */
  ackTimeoutMs: number;
  /** Where the pty links go (default: <tmpdir>/roost-fleet-<pid>). */
  ptyDir: string;
}

function options(o: Record<string, unknown>, hub: boolean): SerialDeviceOptions {
  const num = (k: string, d: number): number => (typeof o[k] === 'number' ? (o[k] as number) : d);
  return {
    units: hub ? num('units', 3) : 1,
    sleepy: hub ? false : o['sleepy'] !== false,
    listenMs: num('listenMs', 60),
    ackTimeoutMs: num('ackTimeoutMs', 100),
    ptyDir: typeof o['ptyDir'] === 'string' ? o['ptyDir'] : join(tmpdir(), `roost-fleet-${process.pid}`),
  };
}

/** The writable property every fleet MCU offers (its report interval, s), so scenarios can write it. */
const WRITABLE = 'interval';

function description(readings: readonly string[]): Description {
  return { t: 'Roost fleet MCU', p: { ...Object.fromEntries(readings.map((n) => [n, {}])), [WRITABLE]: { y: 'integer', u: 's', w: true } }, a: { blink: { i: 'object', o: 'object' } } };
}

class SerialFleetDevice implements FleetDevice {
  readonly deviceId: string;
  readonly thingId: string;
  readonly thingIds: string[];
  readonly sleepy: boolean;
  private readonly pty: SocatPty;
  private mcu: SerialMcu | null = null;
  private port: FaultyPort | null = null;
  private framesIn = 0;
  private bytesIn = 0;
  private framesOut = 0;
  private bytesOut = 0;
  private readonly unitIds: string[];

  constructor(private readonly ctx: DeviceContext, private readonly opts: SerialDeviceOptions) {
    this.deviceId = ctx.deviceId;
    this.sleepy = opts.sleepy;
    this.unitIds = opts.units === 1 ? [ctx.deviceId] : Array.from({ length: opts.units }, (_, k) => `${ctx.deviceId}-u${k}`);
    this.thingIds = this.unitIds.map((id) => `urn:roost:serial:${id}`);
    this.thingId = this.thingIds[0]!;
    ctx.shared.get(`pty-dir:${opts.ptyDir}`, () => {
      const made = mkdirSync(opts.ptyDir, { recursive: true }) !== undefined;
      // A directory the fleet made goes when the run ends; the links in it go with their socat.
      return { close: () => (made ? rmSync(opts.ptyDir, { recursive: true, force: true }) : undefined) };
    });
    this.pty = new SocatPty(opts.ptyDir, ctx.deviceId);
  }

  async prepare(): Promise<GatewayNeeds> {
    await this.pty.open();
    return { serialPorts: [this.pty.gatewayPath] };
  }

  /** What this MCU keeps in flash across reboots. */
  private readonly memory: McuMemory = { results: new Map() };

  private powerOn(): SerialMcu {
    const bootAt = Date.now();
    const rate = 1 + this.ctx.driftPpm / 1e6;
    const d = description(this.ctx.readings);
    return new SerialMcu({
      units: this.unitIds.map((id, unit) => ({ unit, id, sleepy: this.opts.sleepy, description: d })),
      // Results of recent items survive the reboot (flash): a repeat after a lost result is not run again.
      memory: this.memory,
      link: { ackTimeoutMs: this.opts.ackTimeoutMs, maxRetries: 5 },
      uptimeMs: () => (Date.now() - bootAt) * rate,
      onCommand: (cmd: McuCommand) => {
        if (!cmd.duplicate) this.ctx.onCommand({ kind: cmd.kind === 'write' ? 'write' : 'action', name: cmd.name, input: cmd.value, itemId: cmd.itemId });
        return { done: cmd.name };
      },
    });
  }

  async start(): Promise<void> {
    await this.pty.open();
    const mcu = this.powerOn();
    const port = new FaultyPort(openPty(this.pty.devicePath), this.ctx.link);
    this.mcu = mcu;
    this.port = port;
    await mcu.attach(port);
    // The gateway answers a hello with time and a describe request; readings sent before the
    // description would name affordances it does not know yet, so wait for it, as firmware should.
    for (const end = Date.now() + DESCRIBE_TIMEOUT_MS; port.described.size < this.unitIds.length; await sleep(5)) {
      if (Date.now() > end) throw new DeviceTimeoutError(`${this.deviceId}: the gateway did not ask for a description within ${DESCRIBE_TIMEOUT_MS} ms`);
    }
    if (this.sleepy) await mcu.sleep();
  }

  async wake(readings: Record<string, number>): Promise<WakeResult> {
    const mcu = this.mcu;
    if (!mcu) throw new DeviceNotFoundError(`${this.deviceId} is not powered on`);
    try {
      if (this.sleepy) await mcu.wake();
      await Promise.all(this.unitIds.map((_, unit) => mcu.telemetry(unit, readings)));
      if (this.sleepy) {
        for (let seen = -1; seen !== mcu.commands.length;) {
          seen = mcu.commands.length;
          await sleep(this.opts.listenMs);
        }
        await mcu.sleep();
      }
      return { acknowledged: true };
    } finally {
      this.port?.flush();
    }
  }

  private account(): void {
    const c = this.mcu?.linkCounters;
    if (c) this.framesIn += c.framesIn;
    if (this.mcu) this.bytesIn += this.mcu.counters.bytesIn;
    if (this.port) {
      this.framesOut += this.port.framesOut;
      this.bytesOut += this.port.bytesOut;
    }
  }

  async reboot(): Promise<void> {
    this.account();
    this.mcu?.detach();
    this.mcu = null;
    this.port = null;
    await this.start();
  }

  stop(): Promise<void> {
    this.account();
    this.mcu?.detach();
    this.mcu = null;
    this.port = null;
    this.pty.close();
    return Promise.resolve();
  }

  traffic(): { datagramsUp: number; bytesUp: number; datagramsDown: number; bytesDown: number } {
    return {
      datagramsUp: this.framesOut + (this.port?.framesOut ?? 0),
      bytesUp: this.bytesOut + (this.port?.bytesOut ?? 0),
      datagramsDown: this.framesIn + (this.mcu?.linkCounters?.framesIn ?? 0),
      bytesDown: this.bytesIn + (this.mcu?.counters.bytesIn ?? 0),
    };
  }
}

export const serialMcu: DeviceKind = {
  binding: 'serial',
  sleepy: true,
  power: 'mains',
  actions: ['blink'],
  writes: [WRITABLE],
  create: (ctx) => new SerialFleetDevice(ctx, options(ctx.options, false)),
};

export const serialHub: DeviceKind = {
  binding: 'serial',
  sleepy: false,
  power: 'mains',
  actions: ['blink'],
  writes: [WRITABLE],
  create: (ctx) => new SerialFleetDevice(ctx, options(ctx.options, true)),
};
