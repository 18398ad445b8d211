/**
 * Fleet adapter for firmware-sim/coap's AlwaysOnActuator: registers as always-on (b=U); the
 * gateway observes its temperature, so each "wake" is a new temperature notified to observers
 * (with OSCORE, posted to /t/<ep> protected instead: Observe is not protected yet),
 * and actions (POST /blink) arrive any time. The actuator owns its socket and offers no hook on
 * it, so datagram faults do not apply and only notification counts are known (mains powered:
 * no energy figures). With OSCORE keys it registers protected and serves the gateway's protected
 * requests; its sequence number's flash record survives reboots. With an EDHOC key (`security:
 * edhoc`) it enrols before it registers, and again after a reboot.
 */
import { AlwaysOnActuator, emptyFlash, type DeviceEdhoc } from '../../coap/index.js';
import type { DeviceContext, DeviceKind, EnrolmentCost, FleetDevice, OscoreCost, WakeResult } from '../device-model.js';
import { enrolmentCostOf, fleetEdhoc } from './coap-edhoc.js';

class CoapActuatorDevice implements FleetDevice {
  readonly sleepy = false;
  readonly deviceId: string;
  readonly thingId: string;
  private actuator: AlwaysOnActuator | null = null;
  private seenBlinks = 0;
  private notifications = 0;
  private readonly flash = emptyFlash();
  private readonly pastCost = { messages: 0, overheadBytes: 0, echoRoundTrips: 0 };
  private readonly edhoc: DeviceEdhoc | null;

  constructor(private readonly ctx: DeviceContext) {
    this.deviceId = ctx.deviceId;
    this.thingId = `urn:roost:coap:${ctx.deviceId}`;
    this.edhoc = fleetEdhoc(ctx);
  }

  private make(): AlwaysOnActuator {
    const lifetimeS = typeof this.ctx.options['lifetimeS'] === 'number' ? this.ctx.options['lifetimeS'] : 3600;
    const oscore = this.ctx.oscore ? { oscore: { ...this.ctx.oscore, flash: this.flash } } : {};
    const edhoc = this.edhoc ? { edhoc: this.edhoc } : {};
    return new AlwaysOnActuator({ gateway: { host: this.ctx.gateway.host, port: this.ctx.gateway.coapPort }, ep: this.ctx.deviceId, lifetimeS, ...oscore, ...edhoc });
  }

  async start(): Promise<void> {
    this.actuator = this.make();
    await this.actuator.register();
  }

  async wake(readings: Record<string, number>): Promise<WakeResult> {
    this.sync();
    const temp = readings['temp'];
    if ((this.ctx.oscore || this.edhoc) && this.actuator) {
      // With OSCORE the gateway does not observe it: it posts its temperature, protected.
      if (temp === undefined) return { acknowledged: true };
      const code = await this.actuator.postTemperature(temp);
      this.notifications++;
      return { acknowledged: code === '2.04' };
    }
    const observers = this.actuator?.observerCount ?? 0;
    if (temp !== undefined && this.actuator) {
      this.actuator.setTemperature(temp);
      this.notifications += observers;
    }
    // Notifications are NON (RFC 7641 §4.2): "acknowledged" means someone was observing.
    return { acknowledged: observers > 0 };
  }

  sync(): void {
    const blinks = this.actuator?.blinks ?? [];
    for (; this.seenBlinks < blinks.length; this.seenBlinks++) this.ctx.onCommand({ name: 'blink', input: blinks[this.seenBlinks] });
  }

  async reboot(): Promise<void> {
    this.sync();
    const s = this.actuator?.oscore?.stats;
    if (s) {
      this.pastCost.messages += s.messages;
      this.pastCost.overheadBytes += s.overheadBytes;
      this.pastCost.echoRoundTrips += s.echoRoundTrips;
    }
    this.actuator?.close();
    this.actuator = this.make();
    this.seenBlinks = 0;
    await this.actuator.register();
  }

  stop(): Promise<void> {
    this.sync();
    this.actuator?.close();
    return Promise.resolve();
  }

  traffic(): { datagramsUp: number; bytesUp: number; datagramsDown: number; bytesDown: number } {
    return { datagramsUp: this.notifications, bytesUp: 0, datagramsDown: 0, bytesDown: 0 };
  }

  /** Overhead per protected message and Echo round trips (its traffic is not counted: mains powered). */
  oscoreCost(): OscoreCost | undefined {
    if (!this.ctx.oscore && !this.edhoc) return undefined;
    const s = this.actuator?.oscore?.stats ?? { messages: 0, overheadBytes: 0, echoRoundTrips: 0 };
    return {
      messages: this.pastCost.messages + s.messages, overheadBytes: this.pastCost.overheadBytes + s.overheadBytes,
      echoRoundTrips: this.pastCost.echoRoundTrips + s.echoRoundTrips, flashWrites: this.flash.writes,
      plain: { datagramsUp: 0, bytesUp: 0, datagramsDown: 0, bytesDown: 0 },
    };
  }

  enrolmentCost(): EnrolmentCost | undefined {
    return enrolmentCostOf(this.edhoc);
  }
}

export const coapActuator: DeviceKind = {
  binding: 'coap',
  sleepy: false,
  power: 'mains',
  readings: ['temp'],
  actions: ['blink'],
  create: (ctx) => new CoapActuatorDevice(ctx),
};
