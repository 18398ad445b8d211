/**
 * An always-on CoAP actuator: registers with b=U, serves its resources (GET/PUT /led, POST
 * /blink, GET /temp with Observe, RFC 7641) on its own socket, and notifies observers when its
 * temperature changes. With `oscore` keys its own requests are protected (oscore-device.ts) and it
 * is the OSCORE server of the gateway's protected requests (RFC 8613 §8.2-8.3); plain requests of
 * the gateway (its Observe registrations, today) are served plain. With `edhoc` instead of keys it
 * enrols before it registers (message_3 in the registration, RFC 9668) and serves the gateway with
 * the derived context; a new instance (a reboot) enrols again.
 */
import { decodeCbor, encodeCbor } from '../../protocols/cbor.js';
import { generate } from 'coap-packet';
import type { DeviceEdhoc } from './edhoc-device.js';
import { DeviceOscore, type OscoreOptions } from './oscore-device.js';
import { SimRadio, optionUint, uint, type Address, type SimServe } from './sim-radio.js';
import type { OscoreExchange } from '../../protocols/oscore/index.js';

interface SimObserver {
  to: Address;
  token: Buffer;
  /** A protected Observe registration: notifications are protected for it. */
  exchange?: OscoreExchange;
}

export class AlwaysOnActuator {
  readonly radio = new SimRadio();
  led = false;
  temp = 21.5;
  readonly blinks: unknown[] = [];
  private observers: SimObserver[] = [];
  private seq = 1;
  oscore: DeviceOscore | null = null;
  private readonly serve: SimServe;

  constructor(private readonly opts: { gateway: Address; ep: string; lifetimeS?: number; oscore?: OscoreOptions; edhoc?: DeviceEdhoc }) {
    const serve: SimServe = (req, from) => {
      const path = req.options.filter((o) => o.name === 'Uri-Path').map((o) => o.value.toString()).join('/');
      const cbor = { contentFormat: 60 };
      if (path === 'led' && req.code === '0.01') return { code: '2.05', payload: encodeCbor(this.led), ...cbor };
      if (path === 'led' && req.code === '0.03') {
        this.led = decodeCbor(req.payload) === true;
        return { code: '2.04' };
      }
      if (path === 'blink' && req.code === '0.02') {
        this.blinks.push(req.payload.length ? decodeCbor(req.payload) : null);
        return { code: '2.04', payload: encodeCbor({ blinked: this.blinks.length }), ...cbor };
      }
      if (path === 'temp' && req.code === '0.01') {
        const obs = optionUint(req, 'Observe');
        // RFC 7641 §3.6: Observe=1 deregisters; §3.1: Observe=0 registers.
        this.observers = this.observers.filter((o) => !(o.token.equals(req.token) && o.to.port === from.port));
        if (obs === 0) this.observers.push({ to: from, token: req.token });
        return { code: '2.05', payload: encodeCbor(this.temp), ...cbor, ...(obs === 0 ? { observe: this.seq++ } : {}) };
      }
      return { code: '4.04' };
    };
    this.serve = serve;
    this.radio.serve('*', serve);
    if (opts.oscore) this.useOscore(new DeviceOscore(opts.oscore));
  }

  /** Protects its requests with `oscore` and verifies the gateway's with it. */
  private useOscore(oscore: DeviceOscore): void {
    this.oscore = oscore;
    this.radio.rawServer = (raw, from) => oscore.serve(raw, this.serve, from, (token, exchange) => {
      const o = this.observers.find((x) => x.token.equals(token) && x.to.port === from.port);
      if (o) o.exchange = exchange;
    });
  }

  get observerCount(): number {
    return this.observers.length;
  }

  async register(): Promise<void> {
    await this.radio.open();
    const links = '</led>;rt="roost.pw";dt="boolean",</blink>;rt="roost.a";dt="object",</temp>;rt="roost.p";u="Cel";obs';
    const req = {
      method: 'POST' as const,
      path: ['rd'],
      query: [`ep=${this.opts.ep}`, `lt=${this.opts.lifetimeS ?? 3600}`, 'b=U'],
      contentFormat: 40,
      payload: Buffer.from(links),
    };
    let message3: Uint8Array | undefined;
    if (this.opts.edhoc && !this.oscore) {
      const e = await this.opts.edhoc.enrol(this.radio, this.opts.gateway, this.opts.ep);
      this.useOscore(new DeviceOscore(e.keys));
      if (e.pendingMessage3) message3 = e.half.message3;
    }
    const res = this.oscore ? await this.oscore.request(this.radio, this.opts.gateway, req, message3, this.opts.ep) : await this.radio.request(this.opts.gateway, req);
    if (message3) {
      if (res.protected) this.opts.edhoc!.countCombined(message3.length + 1);
      else {
        // message_3 refused (a pending or rejected key): no context.
        this.oscore = null;
        this.radio.rawServer = null;
        throw this.opts.edhoc!.refusedCombined(res);
      }
    }
    if (res.code !== '2.01') throw new Error(`registration refused: ${res.code}`);
  }

  /**
   * A new temperature posted as telemetry (`POST /t/<ep>`, CBOR map), OSCORE-protected: the gateway
   * does not observe a device that has a security context (Observe is not protected yet,
   * docs/protocols/coap.md "Security"). Observers are notified too. Resolves with the answer's code.
   */
  async postTemperature(v: number): Promise<string> {
    this.setTemperature(v);
    const req = { method: 'POST' as const, path: ['t', this.opts.ep], contentFormat: 60, payload: encodeCbor({ temp: v }) };
    const res = this.oscore ? await this.oscore.request(this.radio, this.opts.gateway, req) : await this.radio.request(this.opts.gateway, req);
    return res.code;
  }

  /** A new temperature: a NON notification to every observer (RFC 7641 §4.2). */
  setTemperature(v: number): void {
    this.temp = v;
    for (const o of this.observers) {
      if (o.exchange && this.oscore) {
        this.radio.sendRaw(this.oscore.notification(o.exchange, o.token, this.radio.nextMid(), { code: '2.05', observe: this.seq++, contentFormat: 60, payload: encodeCbor(v) }), o.to);
        continue;
      }
      const options = [{ name: 'Observe' as const, value: uint(this.seq++) }, { name: 'Content-Format' as const, value: uint(60) }];
      this.radio.sendRaw(generate({ code: '2.05', messageId: this.radio.nextMid(), token: o.token, options, payload: encodeCbor(v) }), o.to);
    }
  }

  close(): void {
    this.radio.close();
  }
}
