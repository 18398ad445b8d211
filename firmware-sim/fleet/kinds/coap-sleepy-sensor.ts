/**
 * Fleet adapter for firmware-sim/coap's SleepySensor: registers at power-on (RFC 9176), sends
 * the scenario's readings as SenML+CBOR at each wake and runs the items piggybacked on the
 * answers, each id once (repeats after a lost result are answered from memory). Sensors share FleetRadio sockets (`devicesPerRadio` per socket).
 * With OSCORE keys (the scenario's default) every request is protected; the sequence number's
 * flash record, like the item memory, survives reboots. With an EDHOC key (`security: edhoc`) it
 * enrols at power-on, keeps the derived context across sleeps and enrols again after a reboot (the
 * context was in RAM); the key it pinned on first use survives reboots.
 */
import { DeviceEdhoc, SleepySensor, emptyFlash, type DownlinkItem } from '../../coap/index.js';
import type { DeviceContext, DeviceKind, EnrolmentCost, FleetDevice, OscoreCost, WakeResult } from '../device-model.js';
import { enrolmentCostOf, fleetEdhoc } from './coap-edhoc.js';
import { FleetRadio, type RadioAccount } from './fleet-radio.js';

export interface CoapSensorOptions {
  /** Sensors sharing one UDP socket (default 250). */
  devicesPerRadio: number;
  /** CON retransmission timeout for answers that really do not come (RFC 7252 ACK_TIMEOUT; default 2000). Losses the fleet injects are retransmitted at once. */
  ackTimeoutMs: number;
  /** Registration lifetime (s). */
  lifetimeS: number;
}

class CoapSleepySensorDevice implements FleetDevice {
  readonly sleepy = true;
  readonly thingId: string;
  private sensor: SleepySensor | null = null;
  private readonly radio: FleetRadio;
  private readonly account: RadioAccount;
  private next: Record<string, number> = {};
  private datagramsDown = 0;
  /** Recent item ids and results: kept across reboots, as firmware keeps them in flash. */
  private readonly done = new Map<string, Buffer>();
  private bytesDown = 0;
  private plainDatagramsDown = 0;
  private plainBytesDown = 0;
  /** OSCORE's flash record (the stored sequence number): kept across reboots. */
  private readonly flash = emptyFlash();
  /** OSCORE figures of sensor instances before the last reboot. */
  private readonly pastCost = { messages: 0, overheadBytes: 0, echoRoundTrips: 0 };
  private stopped = false;
  /** EDHOC enrolment (its pinned key and figures survive reboots); null with OSCORE keys or plain CoAP. */
  private readonly edhoc: DeviceEdhoc | null;

  constructor(private readonly ctx: DeviceContext, private readonly opts: CoapSensorOptions) {
    this.deviceId = ctx.deviceId;
    this.thingId = `urn:roost:coap:${ctx.deviceId}`;
    this.radio = ctx.shared.get(`coap-radio-${Math.floor(ctx.index / opts.devicesPerRadio)}`, () => new FleetRadio({ ackTimeoutMs: opts.ackTimeoutMs }));
    this.account = { link: ctx.link, datagramsUp: 0, bytesUp: 0 };
    this.edhoc = fleetEdhoc(ctx);
  }

  readonly deviceId: string;

  private makeSensor(): SleepySensor {
    return new SleepySensor({
      gateway: { host: this.ctx.gateway.host, port: this.ctx.gateway.coapPort },
      ep: this.ctx.deviceId,
      radio: this.radio,
      lifetimeS: this.opts.lifetimeS,
      read: () => this.next,
      done: this.done,
      ...(this.ctx.oscore ? { oscore: { ...this.ctx.oscore, flash: this.flash } } : {}),
      ...(this.edhoc ? { edhoc: this.edhoc } : {}),
      onItem: (item: DownlinkItem) => {
        this.ctx.onCommand({ kind: item.kind, name: item.name, input: item.input, itemId: item.id });
        return { done: item.name };
      },
    });
  }

  private async wakeOnce(): Promise<void> {
    this.sensor ??= this.makeSensor();
    const e0 = this.edhoc ? { ...this.edhoc.stats } : null;
    try {
      const rep = await this.sensor.wake();
      this.datagramsDown += rep.datagramsDown;
      this.bytesDown += rep.bytesDown;
      this.plainDatagramsDown += rep.plainDatagramsDown;
      this.plainBytesDown += rep.plainBytesDown;
    } catch (err) {
      // A wake that failed (a refused enrolment) gives no report: what EDHOC received still counts.
      if (e0 && this.edhoc) {
        this.datagramsDown += this.edhoc.stats.datagramsDown - e0.datagramsDown;
        this.bytesDown += this.edhoc.stats.bytesDown - e0.bytesDown;
      }
      throw err;
    } finally {
      this.radio.flush(this.ctx.deviceId, { host: this.ctx.gateway.host, port: this.ctx.gateway.coapPort });
    }
  }

  async start(): Promise<void> {
    this.radio.attach(this.ctx.deviceId, this.account, this.ctx.oscore?.senderId);
    await this.wakeOnce(); // the first wake registers
  }

  async wake(readings: Record<string, number>): Promise<WakeResult> {
    this.next = readings;
    // Not registered yet (its power-on failed: a key pending approval, no gateway): a wake that
    // registers sends no readings, so register first, as after a reboot.
    if (this.sensor && !this.sensor.registered) await this.wakeOnce();
    await this.wakeOnce();
    return { acknowledged: true };
  }

  async reboot(): Promise<void> {
    // State lost: a new firmware instance registers again (same endpoint name).
    const s = this.sensor?.oscore?.stats;
    if (s) {
      this.pastCost.messages += s.messages;
      this.pastCost.overheadBytes += s.overheadBytes;
      this.pastCost.echoRoundTrips += s.echoRoundTrips;
    }
    this.sensor = this.makeSensor();
    await this.wakeOnce();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.radio.detach(this.ctx.deviceId, this.ctx.oscore?.senderId);
  }

  traffic(): { datagramsUp: number; bytesUp: number; datagramsDown: number; bytesDown: number } {
    return { datagramsUp: this.account.datagramsUp, bytesUp: this.account.bytesUp, datagramsDown: this.datagramsDown, bytesDown: this.bytesDown };
  }

  oscoreCost(): OscoreCost | undefined {
    if (!this.ctx.oscore && !this.edhoc) return undefined;
    const s = this.sensor?.oscore?.stats ?? { messages: 0, overheadBytes: 0, echoRoundTrips: 0 };
    const a = this.account;
    return {
      messages: this.pastCost.messages + s.messages,
      overheadBytes: this.pastCost.overheadBytes + s.overheadBytes,
      echoRoundTrips: this.pastCost.echoRoundTrips + s.echoRoundTrips,
      flashWrites: this.flash.writes,
      plain: { datagramsUp: a.plainDatagramsUp ?? 0, bytesUp: a.plainBytesUp ?? 0, datagramsDown: this.plainDatagramsDown, bytesDown: this.plainBytesDown },
    };
  }

  enrolmentCost(): EnrolmentCost | undefined {
    return enrolmentCostOf(this.edhoc);
  }
}

function sensorOptions(o: Record<string, unknown>): CoapSensorOptions {
  const num = (k: string, d: number): number => (typeof o[k] === 'number' ? (o[k] as number) : d);
  return { devicesPerRadio: num('devicesPerRadio', 250), ackTimeoutMs: num('ackTimeoutMs', 2000), lifetimeS: num('lifetimeS', 3600) };
}

export const coapSleepySensor: DeviceKind = {
  binding: 'coap',
  sleepy: true,
  power: 'battery',
  readings: ['temp'],
  actions: ['blink'],
  writes: ['interval'],
  create: (ctx) => new CoapSleepySensorDevice(ctx, sensorOptions(ctx.options)),
};
