/**
 * A real Binding (the interface, not a mock of one) that stands for a device inside the test:
 * it registers one thing and answers deliveries with a scripted outcome. Used to test the hub
 * and the APIs without a radio; every protocol binding is tested against firmware-sim instead.
 */
import type { Binding, BindingContext, BindingStatus, DeliveryOutcome, QueuedItem, ThingDescription } from '../../gateway/binding.js';

export function deviceTd(title = 'Test lamp'): ThingDescription {
  return {
    '@context': ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1'],
    title,
    securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
    security: 'nosec_sc',
    properties: {
      temperature: { type: 'number', readOnly: true, observable: true, unit: 'cel', forms: [{ href: 'test://temperature' }] },
      brightness: { type: 'integer', minimum: 0, maximum: 100, observable: true, forms: [{ href: 'test://brightness' }] },
    },
    actions: {
      blink: { input: { type: 'object', properties: { times: { type: 'integer', minimum: 1 } }, required: ['times'] }, output: { type: 'object' }, forms: [{ href: 'test://blink' }] },
      reset: { forms: [{ href: 'test://reset' }] },
    },
    events: {
      button: { data: { type: 'string' }, forms: [{ href: 'test://button' }] },
    },
  };
}

export type Responder = (item: QueuedItem) => DeliveryOutcome | Promise<DeliveryOutcome>;

export class TestDeviceBinding implements Binding {
  readonly name: string;
  ctx: BindingContext | null = null;
  readonly delivered: QueuedItem[] = [];
  /** Default: actions complete with an output, writes complete (the twin then takes the written value). */
  respond: Responder = (item) => (item.kind === 'write' ? { state: 'completed' } : { state: 'completed', output: { done: item.name } });
  private readonly devices: Array<{ deviceId: string; sleepy: boolean; td?: ThingDescription }>;

  constructor(name = 'testdev', devices: Array<{ deviceId: string; sleepy: boolean; td?: ThingDescription }> = [{ deviceId: 'lamp1', sleepy: false }]) {
    this.name = name;
    this.devices = devices;
  }

  async start(ctx: BindingContext): Promise<void> {
    this.ctx = ctx;
    for (const d of this.devices) ctx.registerThing({ deviceId: d.deviceId, nativeTd: d.td ?? deviceTd(), sleepy: d.sleepy });
  }

  async stop(): Promise<void> {
    this.ctx = null;
  }

  status(): BindingStatus {
    return { state: this.ctx ? 'running' : 'stopped', counters: { delivered: this.delivered.length } };
  }

  deliver(item: QueuedItem): Promise<DeliveryOutcome> {
    this.delivered.push(item);
    return Promise.resolve(this.respond(item));
  }

  thingId(deviceId: string): string {
    return `urn:roost:${this.name}:${deviceId}`;
  }
}
