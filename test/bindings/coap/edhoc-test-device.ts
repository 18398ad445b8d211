/**
 * A CoAP device that enrols with EDHOC over real UDP and then speaks OSCORE with the derived
 * context, for the binding's EDHOC tests: firmware-sim's device side (DeviceEdhoc: keys, pinning,
 * the Initiator's first half) on the binding's own CoAP codec, with what only tests need: the
 * separate message_3 POST (RFC 9528 Appendix A.2) or the combined request (RFC 9668) built by hand,
 * raw sends for bad input, and a Responder mode for the gateway-as-Initiator flow.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { encodeMessage, parseMessage, type CoapMessage, type OutMessage } from '../../../bindings/coap/coap-message.js';
import { outerFields, requestContent, responseContent, withContent } from '../../../bindings/coap/oscore-content.js';
import { DeviceEdhoc, edhocDeviceKey } from '../../../firmware-sim/coap/edhoc-device.js';
import {
  Responder, encodeCidPayload, encodeCombinedPayload, parseCidPayload, type Credential, type EdhocSession, type IdCred, type Initiator, type LocalAuth,
} from '../../../protocols/edhoc/index.js';
import {
  deriveContext, protectRequest, protectResponse, ReplayWindow, unprotectRequest, unprotectResponse, type OscoreContext,
} from '../../../protocols/oscore/index.js';

export type Request = Omit<OutMessage, 'type' | 'mid' | 'token'>;

/** A device key fitting a method's Initiator role in a suite, its CCS (subject = endpoint name) and ID_CRED. */
export function deviceAuth(suiteId: number, method: number, sub: string, by: 'value' | 'kid' = 'value', kid = 0x2b): LocalAuth {
  return edhocDeviceKey(suiteId, method, sub, { by, kid });
}

export interface Sent {
  res: CoapMessage;
  sent: Buffer;
  received: Buffer;
}

export class EdhocTestDevice {
  readonly socket: Socket = createSocket('udp4');
  private mid = randomBytes(2).readUInt16BE(0);
  private readonly waiting = new Map<string, (buf: Buffer) => void>();
  /** Datagrams of the last enrolment (requests and answers, in order). */
  readonly log: Buffer[] = [];
  session: EdhocSession | null = null;
  oscore: OscoreContext | null = null;
  seq = 0;
  /** Answers the gateway's requests when set (always-on device): a Responder for EDHOC, then OSCORE. */
  responder: Responder | null = null;
  private serverWindow = new ReplayWindow();
  onRequest: ((req: CoapMessage) => { code: string; payload?: Buffer }) | null = null;
  /** firmware-sim's device side of EDHOC: the pinned keys and the Initiator. */
  readonly edhoc: DeviceEdhoc;

  constructor(
    readonly gateway: { host: string; port: number },
    readonly auth: LocalAuth,
    /** Fingerprints of the gateway's keys this device pins. */
    readonly pinned: readonly string[],
    readonly method = 3,
    readonly suites: readonly number[] = [2],
  ) {
    this.socket.on('message', (buf) => this.onDatagram(buf));
    this.edhoc = new DeviceEdhoc({ auth, method, suites, pins: pinned });
  }

  async open(): Promise<this> {
    this.socket.bind(0, '127.0.0.1');
    await once(this.socket, 'listening');
    return this;
  }

  get address(): { address: string; port: number } {
    return this.socket.address();
  }

  /** Credential lookup of the device: the gateway's CCS by value, checked against the pinned fingerprints. */
  get lookup(): (id: IdCred) => Credential | undefined {
    return this.edhoc.lookup;
  }

  newInitiator(): Initiator {
    return this.edhoc.newInitiator();
  }

  /** message_1 -> message_2; returns message_3 ready, or the gateway's error answer. */
  async firstHalf(): Promise<{ ok: true; message3: Uint8Array; session: EdhocSession } | { ok: false; res: CoapMessage }> {
    this.log.length = 0;
    let last: CoapMessage | null = null;
    const h = await this.edhoc.firstHalf(async (payload) => {
      last = (await this.post(payload)).res;
      return last;
    });
    return h.ok ? h : { ok: false, res: last! };
  }

  /** Full enrolment with message_3 in its own POST (two round trips). Returns the answer to message_3. */
  async enrol(): Promise<CoapMessage> {
    const h = await this.firstHalf();
    if (!h.ok) return h.res;
    const r3 = await this.post(encodeCidPayload(h.session.cR, h.message3));
    if (r3.res.code === '2.04') this.useSession(h.session);
    return r3.res;
  }

  /** Enrolment whose message_3 rides with the first OSCORE request (RFC 9668): two round trips in all. */
  async enrolCombined(m: Request): Promise<{ res: CoapMessage; outer: CoapMessage; sent: Buffer }> {
    const h = await this.firstHalf();
    if (!h.ok) return { res: h.res, outer: h.res, sent: Buffer.alloc(0) };
    const ctx = this.contextOf(h.session);
    const { message, exchange } = protectRequest(ctx, requestContent(m), 0);
    const outer = outerFields(message);
    const token = randomBytes(4);
    // RFC 9668 §3.2.1: EDHOC option added, payload = message_3 || OSCORE ciphertext.
    const bytes = encodeMessage({ type: 'CON', mid: this.nextMid(), token, ...outer, edhoc: true, payload: Buffer.from(encodeCombinedPayload(h.message3, outer.payload)) });
    const raw = await this.exchange(bytes, token);
    const o = parseMessage(raw);
    if (o.oscore === undefined) return { res: o, outer: o, sent: bytes };
    this.useSession(h.session);
    this.seq = 1;
    return { res: withContent(o, unprotectResponse(ctx, exchange, responseContent(o))), outer: o, sent: bytes };
  }

  /** A request protected with the EDHOC-derived context (one datagram each way). */
  async request(m: Request): Promise<Sent> {
    const ctx = this.oscore;
    if (!ctx) throw new Error('not enrolled');
    const { message, exchange } = protectRequest(ctx, requestContent(m), this.seq++);
    const token = randomBytes(4);
    const bytes = encodeMessage({ type: 'CON', mid: this.nextMid(), token, ...outerFields(message) });
    const raw = await this.exchange(bytes, token);
    const outer = parseMessage(raw);
    const res = outer.oscore === undefined ? outer : withContent(outer, unprotectResponse(ctx, exchange, responseContent(outer)));
    return { res, sent: bytes, received: raw };
  }

  /** POST to /.well-known/edhoc as application/cid-edhoc+cbor-seq. */
  async post(payload: Uint8Array, timeoutMs = 3000): Promise<Sent> {
    const token = randomBytes(4);
    const bytes = encodeMessage({ type: 'CON', code: '0.02', mid: this.nextMid(), token, uriPath: ['.well-known', 'edhoc'], contentFormat: 65, payload: Buffer.from(payload) });
    const raw = await this.exchange(bytes, token, timeoutMs);
    return { res: parseMessage(raw), sent: bytes, received: raw };
  }

  /** Last datagram received by rawBytes(). */
  lastReceived: Buffer = Buffer.alloc(0);

  /** Sends exact bytes and returns the answer's bytes. */
  async rawBytes(bytes: Buffer): Promise<Buffer> {
    const tkl = bytes[0]! & 0x0f;
    this.lastReceived = await this.exchange(bytes, bytes.subarray(4, 4 + tkl));
    return this.lastReceived;
  }

  /** Sends exact bytes and returns the answer. */
  async raw(bytes: Buffer): Promise<CoapMessage> {
    const tkl = bytes[0]! & 0x0f;
    return parseMessage(await this.exchange(bytes, bytes.subarray(4, 4 + tkl)));
  }

  nextMid(): number {
    this.mid = (this.mid + 1) & 0xffff;
    return this.mid;
  }

  contextOf(session: EdhocSession): OscoreContext {
    const o = session.oscore();
    return deriveContext({ masterSecret: Buffer.from(o.masterSecret), masterSalt: Buffer.from(o.masterSalt), senderId: Buffer.from(o.senderId), recipientId: Buffer.from(o.recipientId) });
  }

  useSession(session: EdhocSession): void {
    this.session = session;
    this.oscore = this.contextOf(session);
    this.serverWindow = new ReplayWindow();
    this.seq = 0;
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
        this.log.push(bytes, buf);
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
    const answer = (out: Partial<OutMessage>): void => {
      this.socket.send(encodeMessage({ type: 'ACK', code: '2.04', mid: m.mid, token: m.token, ...out }), this.gateway.port, this.gateway.host);
    };
    // The gateway as EDHOC Initiator (always-on device): serve /.well-known/edhoc with our Responder.
    if (this.responder && m.oscore === undefined && m.uriPath.join('/') === '.well-known/edhoc') {
      const { cid, message } = parseCidPayload(m.payload);
      if (cid === true) {
        const r = this.responder.handleMessage1(message);
        answer(r.ok ? { contentFormat: 64, payload: Buffer.from(r.value.message2) } : { code: '4.00', payload: Buffer.from(r.reply ?? []) });
      } else {
        const r = this.responder.handleMessage3(cid, message);
        if (r.ok) {
          const o = r.value.session.oscore();
          this.session = r.value.session;
          this.oscore = deriveContext({ masterSecret: Buffer.from(o.masterSecret), masterSalt: Buffer.from(o.masterSalt), senderId: Buffer.from(o.senderId), recipientId: Buffer.from(o.recipientId) });
          this.serverWindow = new ReplayWindow();
          this.seq = 0;
        }
        answer(r.ok ? {} : { code: '4.00', payload: Buffer.from(r.reply ?? []) });
      }
      return;
    }
    if (m.oscore !== undefined && this.oscore) {
      const ctx = this.oscore;
      try {
        const u = unprotectRequest(requestContent(m), (kid) => (kid.equals(ctx.recipientId) ? { context: ctx, replay: this.serverWindow } : undefined));
        const inner = withContent(m, u.message);
        const a = this.onRequest?.(inner) ?? { code: '4.04' };
        answer(outerFields(protectResponse(ctx, u.exchange, responseContent(a))));
      } catch {
        answer({ code: '4.01' });
      }
    }
  }

  close(): void {
    this.socket.close();
  }
}
