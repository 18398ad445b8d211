/**
 * A CoAP device that speaks OSCORE through the project's codec (protocols/oscore), for the binding's
 * tests: protected requests with the Echo repeat after a gateway start, and protected answers to
 * the gateway's own requests (always-on device). The independent peer is test/peers/python.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { encodeMessage, parseMessage, type CoapMessage, type OutMessage } from '../../../bindings/coap/coap-message.js';
import { outerFields, requestContent, responseContent, withContent } from '../../../bindings/coap/oscore-content.js';
import {
  deriveContext, protectRequest, protectResponse, ReplayWindow, unprotectRequest, unprotectResponse, type OscoreContext,
} from '../../../protocols/oscore/index.js';

export interface DeviceKeys {
  masterSecret: string;
  masterSalt: string;
  kid: string;
}

/** A manifest entry for `keys` (the gateway's sender id is empty, docs/protocols/oscore.md). */
export function manifestEntry(deviceId: string, keys: DeviceKeys): { binding: string; deviceId: string; credentials: { oscore: { masterSecret: string; masterSalt: string; senderId: string; recipientId: string } } } {
  return { binding: 'coap', deviceId, credentials: { oscore: { masterSecret: keys.masterSecret, masterSalt: keys.masterSalt, senderId: '', recipientId: keys.kid } } };
}

export type Request = Omit<OutMessage, 'type' | 'mid' | 'token'>;

export interface Exchange {
  /** The inner answer (or the plain one when the gateway answered without OSCORE). */
  res: CoapMessage;
  /** Every datagram sent and received for this request, Echo repeat included. */
  sent: Buffer[];
  received: Buffer[];
  echoed: boolean;
}

export class OscoreTestDevice {
  readonly socket: Socket = createSocket('udp4');
  readonly ctx: OscoreContext;
  seq = 0;
  private mid = randomBytes(2).readUInt16BE(0);
  private readonly waiting = new Map<string, (buf: Buffer) => void>();
  /** Sequence numbers of the gateway's requests this device received, in order. */
  readonly gatewaySeqs: number[] = [];
  private readonly window = new ReplayWindow();
  /** Answers the gateway's requests (always-on device): inner request -> inner answer. */
  onRequest: ((req: CoapMessage) => { code: string; payload?: Buffer; contentFormat?: number }) | null = null;

  constructor(readonly gateway: { host: string; port: number }, keys: DeviceKeys) {
    this.ctx = deriveContext({ masterSecret: Buffer.from(keys.masterSecret, 'hex'), masterSalt: Buffer.from(keys.masterSalt, 'hex'), senderId: Buffer.from(keys.kid, 'hex'), recipientId: Buffer.alloc(0) });
    this.socket.on('message', (buf) => this.onDatagram(buf));
  }

  async open(): Promise<this> {
    this.socket.bind(0, '127.0.0.1');
    await once(this.socket, 'listening');
    return this;
  }

  get address(): { address: string; port: number } {
    return this.socket.address();
  }

  /** Sends `m` protected; repeats once with the Echo value on a protected 4.01 with Echo (RFC 9175 §2.4). */
  async request(m: Request): Promise<Exchange> {
    const ex: Exchange = { res: null as unknown as CoapMessage, sent: [], received: [], echoed: false };
    let echo: Buffer | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const { message, exchange } = protectRequest(this.ctx, requestContent({ ...m, ...(echo ? { echo } : {}) }), this.seq++);
      const token = randomBytes(4);
      const bytes = encodeMessage({ type: 'CON', mid: this.nextMid(), token, ...outerFields(message) });
      const raw = await this.exchange(bytes, token);
      ex.sent.push(bytes);
      ex.received.push(raw);
      const outer = parseMessage(raw);
      ex.res = outer.oscore === undefined ? outer : withContent(outer, unprotectResponse(this.ctx, exchange, responseContent(outer)));
      if (ex.res.code === '4.01' && ex.res.echo && outer.oscore !== undefined && !echo) {
        echo = ex.res.echo;
        ex.echoed = true;
        continue;
      }
      break;
    }
    return ex;
  }

  /** Sends exact bytes (a replay, a forged message) and returns the answer. */
  async raw(bytes: Buffer): Promise<CoapMessage> {
    const tkl = bytes[0]! & 0x0f;
    return parseMessage(await this.exchange(bytes, bytes.subarray(4, 4 + tkl)));
  }

  nextMid(): number {
    this.mid = (this.mid + 1) & 0xffff;
    return this.mid;
  }

  private exchange(bytes: Buffer, token: Buffer, timeoutMs = 3000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const key = token.toString('hex');
      const t = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error('no answer from the gateway'));
      }, timeoutMs);
      this.waiting.set(key, (buf) => {
        clearTimeout(t);
        this.waiting.delete(key);
        resolve(buf);
      });
      this.socket.send(bytes, this.gateway.port, this.gateway.host);
    });
  }

  private onDatagram(buf: Buffer): void {
    const m = parseMessage(buf);
    if (m.type === 'ACK' || !m.code.startsWith('0.')) {
      this.waiting.get(m.token.toString('hex'))?.(buf);
      return;
    }
    // A request from the gateway (it is the OSCORE client here): verify, answer protected.
    try {
      const u = unprotectRequest(requestContent(m), (kid) => (kid.length === 0 ? { context: this.ctx, replay: this.window } : undefined));
      this.gatewaySeqs.push(u.seq);
      const inner = withContent(m, u.message);
      const answer = this.onRequest?.(inner) ?? { code: '4.04' };
      const out = outerFields(protectResponse(this.ctx, u.exchange, responseContent(answer)));
      this.socket.send(encodeMessage({ type: 'ACK', mid: m.mid, token: m.token, ...out }), m.type === 'CON' ? this.gateway.port : this.gateway.port, this.gateway.host);
    } catch {
      this.socket.send(encodeMessage({ type: 'ACK', code: '4.01', mid: m.mid, token: m.token }), this.gateway.port, this.gateway.host);
    }
  }

  close(): void {
    this.socket.close();
  }
}
