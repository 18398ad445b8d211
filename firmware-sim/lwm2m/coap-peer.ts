/**
 * The simulated device's one UDP socket, in both CoAP roles: as a client it sends requests
 * (CON retransmitted, RFC 7252 §4.2; responses matched by token), as a server it answers
 * requests through one handler, remembering recent message ids so that a retransmitted request
 * gets the cached response and is not run twice (RFC 7252 §4.5). While "asleep" (LwM2M Queue
 * Mode) it drops every request and counts them. Depends on coap-packet only.
 */
import { createSocket, type Socket } from 'node:dgram';
import { generate, parse, type NamedOption, type ParsedPacket } from 'coap-packet';

export interface Address {
  host: string;
  port: number;
}

export interface OutRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'FETCH';
  path: string[];
  query?: string[];
  options?: NamedOption[];
  payload?: Buffer;
  confirmable?: boolean;
}

export interface InResponse {
  code: string;
  options: ParsedPacket['options'];
  payload: Buffer;
}

/** What a request handler answers: code, options and payload. */
export interface Reply {
  code: string;
  options?: NamedOption[];
  payload?: Buffer;
}

export type RequestHandler = (req: ParsedPacket, from: Address) => Reply | Promise<Reply>;

export interface CoapPeerOptions {
  /** RFC 7252 §4.8 ACK_TIMEOUT (default 2000 ms). */
  ackTimeoutMs?: number;
  /** RFC 7252 §4.8 MAX_RETRANSMIT (default 4). */
  maxRetransmit?: number;
  /** Message ids remembered for deduplication (default 256). */
  dedupeEntries?: number;
  /** RFC 7252 §4.8.2 EXCHANGE_LIFETIME (default 247 s). */
  exchangeLifetimeMs?: number;
}

interface Pending {
  resolve: (r: InResponse) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export function uintBytes(n: number): Buffer {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Buffer.from(out);
}

export function optionValues(p: { options: ParsedPacket['options'] }, name: string): Buffer[] {
  return p.options.filter((o) => o.name === name).map((o) => o.value);
}

export function optionUint(p: { options: ParsedPacket['options'] }, name: string): number | undefined {
  const v = optionValues(p, name)[0];
  return v ? v.reduce((n, b) => n * 256 + b, 0) : undefined;
}

export class CoapPeer {
  private socket: Socket | null = null;
  private mid = Math.floor(Math.random() * 0xffff);
  private token = Math.floor(Math.random() * 0xffffffff);
  private readonly pending = new Map<string, Pending>();
  /** `host:port:mid` -> response bytes (null while the handler runs). */
  private readonly seen = new Map<string, { at: number; bytes: Buffer | null }>();
  private handler: RequestHandler | null = null;
  asleep = false;
  droppedWhileAsleep = 0;
  duplicates = 0;
  /** Called after every datagram this peer sends (Queue Mode restarts its awake timer). */
  onSend: (to: Address) => void = () => undefined;
  /** Called with the message id and sender of each RST (observe cancellation, RFC 7641 §3.6). */
  onReset: (mid: number, from: Address) => void = () => undefined;

  constructor(private readonly opts: CoapPeerOptions = {}) {}

  async open(): Promise<Address> {
    if (!this.socket) {
      const s = createSocket('udp4');
      this.socket = s;
      s.on('message', (buf, r) => void this.onMessage(buf, { host: r.address, port: r.port }));
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
    }
    const a = this.socket.address();
    return { host: a.address, port: a.port };
  }

  serve(handler: RequestHandler): void {
    this.handler = handler;
  }

  nextMid(): number {
    this.mid = (this.mid + 1) & 0xffff;
    return this.mid;
  }

  send(bytes: Buffer, to: Address): void {
    this.socket?.send(bytes, to.port, to.host);
    this.onSend(to);
  }

  /** Sends a request and resolves with its response; CON is retransmitted with back-off. */
  async request(to: Address, req: OutRequest): Promise<InResponse> {
    await this.open();
    this.token = (this.token + 1) >>> 0;
    const token = Buffer.alloc(4);
    token.writeUInt32BE(this.token);
    const options: NamedOption[] = [...req.path.map((p) => ({ name: 'Uri-Path' as const, value: Buffer.from(p) })), ...(req.query ?? []).map((q) => ({ name: 'Uri-Query' as const, value: Buffer.from(q) })), ...(req.options ?? [])];
    const confirmable = req.confirmable ?? true;
    const bytes = generate({ code: req.method, messageId: this.nextMid(), token, confirmable, options, payload: req.payload ?? Buffer.alloc(0) });
    const key = token.toString('hex');
    return new Promise<InResponse>((resolve, reject) => {
      let attempt = 0;
      let timeout = this.opts.ackTimeoutMs ?? 2000;
      const fire = () => {
        this.send(bytes, to);
        entry.timer = setTimeout(() => {
          if (attempt++ >= (this.opts.maxRetransmit ?? 4)) {
            this.pending.delete(key);
            reject(new Error(`no response from ${to.host}:${to.port}`));
            return;
          }
          timeout *= 2;
          fire();
        }, timeout);
      };
      const entry: Pending = { resolve, reject, timer: setTimeout(() => undefined, 0) };
      this.pending.set(key, entry);
      fire();
    });
  }

  private async onMessage(buf: Buffer, from: Address): Promise<void> {
    let p: ParsedPacket;
    try {
      p = parse(buf);
    } catch {
      return;
    }
    if (p.reset) {
      this.onReset(p.messageId, from);
      return;
    }
    if (p.code.startsWith('0.') && p.code !== '0.00') {
      await this.onRequest(p, from);
      return;
    }
    const w = this.pending.get(p.token.toString('hex'));
    // RFC 7252 §5.2.2: a separate CON response is acknowledged.
    if (p.confirmable) this.send(generate({ code: '0.00', messageId: p.messageId, ack: true }), from);
    if (!w || p.code === '0.00') return;
    clearTimeout(w.timer);
    this.pending.delete(p.token.toString('hex'));
    w.resolve({ code: p.code, options: p.options, payload: p.payload });
  }

  private async onRequest(p: ParsedPacket, from: Address): Promise<void> {
    if (this.asleep) {
      this.droppedWhileAsleep++;
      return;
    }
    const key = `${from.host}:${from.port}:${p.messageId}`;
    const now = Date.now();
    this.expireSeen(now);
    const prior = this.seen.get(key);
    if (prior) {
      // RFC 7252 §4.5: a duplicate gets the same response; the request is not processed again.
      this.duplicates++;
      if (prior.bytes) this.send(prior.bytes, from);
      return;
    }
    this.seen.set(key, { at: now, bytes: null });
    let reply: Reply;
    try {
      reply = this.handler ? await this.handler(p, from) : { code: '4.04' };
    } catch {
      reply = { code: '5.00' };
    }
    const bytes = generate({
      code: reply.code,
      messageId: p.confirmable ? p.messageId : this.nextMid(),
      ack: p.confirmable,
      token: p.token,
      options: reply.options ?? [],
      payload: reply.payload ?? Buffer.alloc(0),
    });
    const entry = this.seen.get(key);
    if (entry) entry.bytes = bytes;
    this.send(bytes, from);
  }

  private expireSeen(now: number): void {
    const lifetime = this.opts.exchangeLifetimeMs ?? 247_000;
    const max = this.opts.dedupeEntries ?? 256;
    for (const [k, v] of this.seen) {
      if (now - v.at < lifetime && this.seen.size < max) break;
      this.seen.delete(k);
    }
  }

  close(): void {
    for (const w of this.pending.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('peer closed'));
    }
    this.pending.clear();
    this.socket?.close();
    this.socket = null;
  }
}
