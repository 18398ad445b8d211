/**
 * An always-on CoAP actuator: registers with b=U, serves its resources (GET/PUT /led, POST
 * /blink, GET /temp with Observe, RFC 7641) on its own socket, and notifies observers when its
 * temperature changes.
 */
import { decodeCbor, encodeCbor } from '../../protocols/cbor.js';
import { generate } from 'coap-packet';
import { SimRadio, optionUint, uint, type Address } from './sim-radio.js';

interface SimObserver {
  to: Address;
  token: Buffer;
}

export class AlwaysOnActuator {
  readonly radio = new SimRadio();
  led = false;
  temp = 21.5;
  readonly blinks: unknown[] = [];
  private observers: SimObserver[] = [];
  private seq = 1;

  constructor(private readonly opts: { gateway: Address; ep: string; lifetimeS?: number }) {
    this.radio.serve('*', (req, from) => {
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
    });
  }

  get observerCount(): number {
    return this.observers.length;
  }

  async register(): Promise<void> {
    await this.radio.open();
    const links = '</led>;rt="roost.pw";dt="boolean",</blink>;rt="roost.a";dt="object",</temp>;rt="roost.p";u="Cel";obs';
    const res = await this.radio.request(this.opts.gateway, {
      method: 'POST',
      path: ['rd'],
      query: [`ep=${this.opts.ep}`, `lt=${this.opts.lifetimeS ?? 3600}`, 'b=U'],
      contentFormat: 40,
      payload: Buffer.from(links),
    });
    if (res.code !== '2.01') throw new Error(`registration refused: ${res.code}`);
  }

  /** A new temperature: a NON notification to every observer (RFC 7641 §4.2). */
  setTemperature(v: number): void {
    this.temp = v;
    for (const o of this.observers) {
      const options = [{ name: 'Observe' as const, value: uint(this.seq++) }, { name: 'Content-Format' as const, value: uint(60) }];
      this.radio.sendRaw(generate({ code: '2.05', messageId: this.radio.nextMid(), token: o.token, options, payload: encodeCbor(v) }), o.to);
    }
  }

  close(): void {
    this.radio.close();
  }
}
