/**
 * The test side of the LwM2M simulator tests: a second, independent CoAP endpoint on a raw
 * dgram socket with coap-packet as its codec. It plays the LwM2M server's registration
 * interface (/rd, /dp), serves firmware packages block-wise, sends requests to the device and
 * collects notifications.
 */
import { createSocket, type Socket } from 'node:dgram';
import { generate, parse, type NamedOption, type ParsedPacket } from 'coap-packet';

export interface Addr {
  host: string;
  port: number;
}

export interface TestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'FETCH';
  path: string;
  query?: string[];
  options?: NamedOption[];
  payload?: Buffer;
  confirmable?: boolean;
  messageId?: number;
  token?: Buffer;
}

export const u = (n: number): Buffer => {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Buffer.from(out);
};

export const uintOf = (p: ParsedPacket, name: string): number | undefined => {
  const o = p.options.find((x) => x.name === name);
  return o ? o.value.reduce((n, b) => n * 256 + b, 0) : undefined;
};

export class ServerPeer {
  private socket!: Socket;
  private mid = 1000;
  private tok = 1;
  private readonly waiting = new Map<string, (p: ParsedPacket) => void>();
  readonly registrations: { query: string[]; body: string; from: Addr }[] = [];
  readonly updates: { path: string; query: string[] }[] = [];
  readonly deregistrations: string[] = [];
  readonly sends: { contentFormat: number | undefined; payload: Buffer }[] = [];
  readonly notifications: ParsedPacket[] = [];
  readonly blockRequests: number[] = [];
  /** Files served block-wise under /fw/<name>. */
  readonly files = new Map<string, Buffer>();
  device: Addr | null = null;
  /** This peer's own address, once open. */
  addr: Addr = { host: '127.0.0.1', port: 0 };

  async open(): Promise<Addr> {
    this.socket = createSocket('udp4');
    this.socket.on('message', (buf, r) => this.onMessage(buf, { host: r.address, port: r.port }));
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.addr = { host: '127.0.0.1', port: this.socket.address().port };
    return this.addr;
  }

  close(): void {
    this.socket.close();
  }

  sendRaw(bytes: Buffer, to: Addr): void {
    this.socket.send(bytes, to.port, to.host);
  }

  /** Builds a request datagram (for sending twice in dedupe tests). */
  build(req: TestRequest): { bytes: Buffer; token: Buffer } {
    const token = req.token ?? u(0x10000 + this.tok++);
    const segs = req.path.split('/').filter((s) => s !== '');
    const options: NamedOption[] = [...segs.map((s) => ({ name: 'Uri-Path' as const, value: Buffer.from(s) })), ...(req.query ?? []).map((q) => ({ name: 'Uri-Query' as const, value: Buffer.from(q) })), ...(req.options ?? [])];
    const bytes = generate({ code: req.method, messageId: req.messageId ?? this.mid++, token, confirmable: req.confirmable ?? true, options, payload: req.payload ?? Buffer.alloc(0) });
    return { bytes, token };
  }

  /** Sends a request and waits for the response with its token. */
  request(to: Addr, req: TestRequest, timeoutMs = 2000): Promise<ParsedPacket> {
    const { bytes, token } = this.build(req);
    const p = this.waitFor(token, timeoutMs);
    this.sendRaw(bytes, to);
    return p;
  }

  waitFor(token: Buffer, timeoutMs = 2000): Promise<ParsedPacket> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(token.toString('hex'));
        reject(new Error('no response'));
      }, timeoutMs);
      this.waiting.set(token.toString('hex'), (p) => {
        clearTimeout(t);
        resolve(p);
      });
    });
  }

  /** Waits until `pred` holds, polling every 10 ms. */
  async until(pred: () => boolean, timeoutMs = 3000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private reply(req: ParsedPacket, to: Addr, code: string, options: NamedOption[] = [], payload: Buffer = Buffer.alloc(0)): void {
    this.sendRaw(generate({ code, messageId: req.messageId, ack: req.confirmable, token: req.token, options, payload }), to);
  }

  private onMessage(buf: Buffer, from: Addr): void {
    const p = parse(buf);
    if (!p.code.startsWith('0.') || p.code === '0.00') {
      if (p.options.some((o) => o.name === 'Observe') && !this.waiting.has(p.token.toString('hex'))) this.notifications.push(p);
      this.waiting.get(p.token.toString('hex'))?.(p);
      this.waiting.delete(p.token.toString('hex'));
      return;
    }
    const path = p.options.filter((o) => o.name === 'Uri-Path').map((o) => o.value.toString());
    const query = p.options.filter((o) => o.name === 'Uri-Query').map((o) => o.value.toString());
    if (p.code === '0.02' && path.join('/') === 'rd') {
      this.device = from;
      this.registrations.push({ query, body: p.payload.toString(), from });
      return this.reply(p, from, '2.01', [{ name: 'Location-Path', value: Buffer.from('rd') }, { name: 'Location-Path', value: Buffer.from(`r${this.registrations.length}`) }]);
    }
    if (path[0] === 'rd' && path.length === 2) {
      if (p.code === '0.04') {
        this.deregistrations.push(path.join('/'));
        return this.reply(p, from, '2.02');
      }
      this.updates.push({ path: path.join('/'), query });
      return this.reply(p, from, '2.04');
    }
    if (p.code === '0.02' && path.join('/') === 'dp') {
      this.sends.push({ contentFormat: uintOf(p, 'Content-Format'), payload: p.payload });
      return this.reply(p, from, '2.04');
    }
    const file = path[0] === 'fw' ? this.files.get(path[1] ?? '') : undefined;
    if (p.code === '0.01' && file) {
      // RFC 7959 §2.4: serve the block asked for (at most 64 bytes here, to force many blocks).
      const b2 = uintOf(p, 'Block2') ?? 0;
      const size = Math.min(1 << ((b2 & 7) + 4), 64);
      const num = ((b2 >>> 4) * (1 << ((b2 & 7) + 4))) / size;
      this.blockRequests.push(num);
      const chunk = file.subarray(num * size, num * size + size);
      const more = num * size + size < file.length;
      return this.reply(p, from, '2.05', [{ name: 'Block2', value: u((num << 4) | (more ? 8 : 0) | (Math.log2(size) - 4)) }], chunk);
    }
    this.reply(p, from, '4.04');
  }
}
