/**
 * The simulated radio of firmware-sim CoAP devices: one UDP socket shared by many devices
 * (10,000 sleepy sensors fit in one process), requests matched to responses by token, CON
 * retransmitted (RFC 7252 §4.2), incoming requests routed to the device named in the path.
 * Depends on coap-packet and protocols/ only: an independent peer of the gateway.
 */
import { createSocket, type Socket } from 'node:dgram';
import { generate, parse, type NamedOption, type ParsedPacket } from 'coap-packet';

export interface Address {
  host: string;
  port: number;
}

export interface SimRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string[];
  query?: string[];
  contentFormat?: number;
  observe?: number;
  payload?: Buffer;
  confirmable?: boolean;
}

/** A response, with the bytes that crossed the air for it (request and response datagrams). */
export interface SimResponse {
  code: string;
  payload: Buffer;
  options: ParsedPacket['options'];
  bytesUp: number;
  bytesDown: number;
  /** Datagrams received for it: 1, or 2 when OSCORE's Echo challenge came first. */
  datagramsDown: number;
  /** What the answers would have weighed without OSCORE (equal to bytesDown for a plain request). */
  plainBytesDown: number;
  plainDatagramsDown: number;
  rttMs: number;
  /** The answer was OSCORE-protected (absent for a plain request). */
  protected?: boolean;
}

/** The raw answer to one datagram sent by exchange(). */
export interface RawResponse {
  raw: Buffer;
  bytesUp: number;
  bytesDown: number;
  rttMs: number;
}

/** A request datagram built for the Message ID and token the radio chose; `plainBytes` and `ep` as for sendRaw(). */
export type BuildDatagram = (mid: number, token: Buffer) => { bytes: Buffer; plainBytes?: number; ep?: string };

/** Handler for requests the gateway sends to a device: answers code + optional payload. */
export type SimServe = (req: ParsedPacket, from: Address) => { code: string; payload?: Buffer; contentFormat?: number; observe?: number };

export function uint(n: number): Buffer {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Buffer.from(out);
}

export function optionUint(p: ParsedPacket, name: string): number | undefined {
  const o = p.options.find((x) => x.name === name);
  return o ? o.value.reduce((n, b) => n * 256 + b, 0) : undefined;
}

interface Waiting {
  resolve: (r: RawResponse) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  sentAt: number;
  bytesUp: number;
}

export class SimRadio {
  private socket: Socket | null = null;
  private mid = Math.floor(Math.random() * 0xffff);
  private tokenSeq = Math.floor(Math.random() * 0xffffffff);
  private readonly waiting = new Map<string, Waiting>();
  /** Devices that serve requests, by the path segment naming them (`/q/<ep>`) or `*` for the only one. */
  private readonly servers = new Map<string, SimServe>();
  /**
   * Sees every incoming request first as bytes (an OSCORE server verifies and answers protected
   * requests here); answers the bytes to send back, or undefined to let serve()'s handlers see it.
   */
  rawServer: ((raw: Buffer, from: Address) => Buffer | undefined) | null = null;

  constructor(private readonly opts: { ackTimeoutMs?: number; maxRetransmit?: number } = {}) {}

  async open(): Promise<Address> {
    if (!this.socket) {
      const s = createSocket('udp4');
      this.socket = s;
      s.on('message', (buf, r) => this.onMessage(buf, { host: r.address, port: r.port }));
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
      s.unref();
    }
    const a = this.socket.address();
    return { host: a.address, port: a.port };
  }

  serve(key: string, handler: SimServe): void {
    this.servers.set(key, handler);
  }

  nextMid(): number {
    this.mid = (this.mid + 1) & 0xffff;
    return this.mid;
  }

  /**
   * Puts a datagram on the air. `plainBytes`: the size the same message would have without
   * OSCORE (0: it would not be sent at all, an Echo repeat), for the fleet's cost figures; `ep`:
   * the device sending it, where the datagram does not name it (an EDHOC message).
   */
  sendRaw(bytes: Buffer, to: Address, _plainBytes?: number, _ep?: string): void {
    this.socket?.send(bytes, to.port, to.host);
  }

  /** Sends a request; retransmits a CON until ACK (RFC 7252 §4.2), resolves with the response. */
  async request(to: Address, req: SimRequest): Promise<SimResponse> {
    const options: NamedOption[] = [];
    for (const p of req.path) options.push({ name: 'Uri-Path', value: Buffer.from(p) });
    for (const q of req.query ?? []) options.push({ name: 'Uri-Query', value: Buffer.from(q) });
    if (req.observe !== undefined) options.push({ name: 'Observe', value: uint(req.observe) });
    if (req.contentFormat !== undefined) options.push({ name: 'Content-Format', value: uint(req.contentFormat) });
    const confirmable = req.confirmable ?? true;
    const r = await this.exchange(to, (messageId, token) => ({ bytes: generate({ code: req.method, messageId, token, confirmable, options, payload: req.payload ?? Buffer.alloc(0) }) }));
    const p = parse(r.raw);
    return { code: p.code, payload: p.payload, options: p.options, bytesUp: r.bytesUp, bytesDown: r.bytesDown, datagramsDown: 1, plainBytesDown: r.bytesDown, plainDatagramsDown: 1, rttMs: r.rttMs };
  }

  /** Sends the datagram `build` makes (again after each timeout, RFC 7252 §4.2) and resolves with the answer's bytes. */
  async exchange(to: Address, build: BuildDatagram): Promise<RawResponse> {
    await this.open();
    this.tokenSeq = (this.tokenSeq + 1) >>> 0;
    const token = uint(this.tokenSeq || 1);
    const { bytes, plainBytes, ep } = build(this.nextMid(), token);
    const key = token.toString('hex');
    const ackTimeoutMs = this.opts.ackTimeoutMs ?? 2000;
    const maxRetransmit = this.opts.maxRetransmit ?? 4;
    return new Promise<RawResponse>((resolve, reject) => {
      let attempt = 0;
      let timeout = ackTimeoutMs;
      const w: Waiting = { resolve, reject, timer: setTimeout(() => undefined, 0), sentAt: Date.now(), bytesUp: 0 };
      const fire = () => {
        this.sendRaw(bytes, to, plainBytes, ep);
        w.bytesUp += bytes.length;
        w.timer = setTimeout(() => {
          if (attempt++ >= maxRetransmit) {
            this.waiting.delete(key);
            reject(new Error(`no response from ${to.host}:${to.port}`));
            return;
          }
          timeout *= 2;
          fire();
        }, timeout);
      };
      this.waiting.set(key, w);
      fire();
    });
  }

  private onMessage(buf: Buffer, from: Address): void {
    let p: ParsedPacket;
    try {
      p = parse(buf);
    } catch {
      return;
    }
    if (p.code.startsWith('0.') && p.code !== '0.00') {
      this.onRequest(p, from, buf);
      return;
    }
    const key = p.token.toString('hex');
    const w = this.waiting.get(key);
    if (p.confirmable) this.sendRaw(generate({ code: '0.00', messageId: p.messageId, ack: true }), from);
    if (!w || p.code === '0.00') return;
    clearTimeout(w.timer);
    this.waiting.delete(key);
    w.resolve({ raw: buf, bytesUp: w.bytesUp, bytesDown: buf.length, rttMs: Date.now() - w.sentAt });
  }

  private onRequest(p: ParsedPacket, from: Address, raw: Buffer): void {
    const answer = this.rawServer?.(raw, from);
    if (answer) {
      this.sendRaw(answer, from);
      return;
    }
    const path = p.options.filter((o) => o.name === 'Uri-Path').map((o) => o.value.toString());
    const handler = (path[0] === 'q' && path[1] ? this.servers.get(path[1]) : undefined) ?? this.servers.get('*');
    const res = handler ? handler(p, from) : { code: '4.04' };
    const options: NamedOption[] = [];
    if (res.observe !== undefined) options.push({ name: 'Observe', value: uint(res.observe) });
    if (res.contentFormat !== undefined) options.push({ name: 'Content-Format', value: uint(res.contentFormat) });
    this.sendRaw(
      generate({
        code: res.code,
        messageId: p.confirmable ? p.messageId : this.nextMid(),
        ack: p.confirmable,
        token: p.token,
        options,
        payload: res.payload ?? Buffer.alloc(0),
      }),
      from,
    );
  }

  close(): void {
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('radio closed'));
    }
    this.waiting.clear();
    this.socket?.close();
    this.socket = null;
  }
}
