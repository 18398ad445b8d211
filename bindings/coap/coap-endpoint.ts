/**
 * The thin CoAP endpoint this binding runs on instead of node-coap's server (see
 * docs/protocols/coap.md "Why not node-coap's server"): one UDP socket, messages through
 * coap-packet, and per message one `switch` on its type. Server side: deduplication (RFC 7252
 * §4.5), piggybacked responses (§5.2.1), NON answered by NON (§5.2.3), Block1 reassembly by
 * endpoint+URI (RFC 7959 §2.5), Block2 slicing (RFC 7959 §2.2). Client side: CON retransmission
 * (RFC 7252 §4.2) here; requests matched to their responses, separate responses (§5.2.2) and
 * observations (RFC 7641 §3) in coap-requests.ts.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { RoostError, toRoostError } from '../../protocols/errors.js';
import { Block1Assembler } from './block1-assembler.js';
import { needsBlock2, sliceBlock2 } from './block2.js';
import { EMPTY, encodeMessage, isRequest, parseMessage, type CoapMessage, type OutMessage } from './coap-message.js';
import { ExchangeCache } from './exchange-cache.js';
import { literalLookup } from './literal-lookup.js';
import { CoapRequests, remoteKey, type Remote } from './coap-requests.js';

export type { Remote } from './coap-requests.js';

/** What a request handler answers; the endpoint adds type, Message ID, token and blocks. */
export interface CoapResponse {
  code: string;
  payload?: Buffer;
  contentFormat?: number;
  locationPath?: string[];
  observe?: number;
  maxAge?: number;
  size1?: number;
  /** An OSCORE-protected answer's option value (oscore-layer.ts); its payload is then the ciphertext. */
  oscore?: Buffer;
  echo?: Buffer;
}

/**
 * Answers one request. A handler that must wait before it answers (an acknowledgement that means
 * "committed") returns a promise; a duplicate of the request meanwhile is dropped, and once the
 * answer exists a duplicate CON gets it again (RFC 7252 §4.5).
 */
export type RequestHandler = (req: CoapMessage, from: Remote) => CoapResponse | Promise<CoapResponse>;

type Served = CoapResponse & { block1?: CoapMessage['block1'] };

export interface EndpointOptions {
  host: string;
  port: number;
  /** RFC 7252 §4.8 ACK_TIMEOUT (default 2000). */
  ackTimeoutMs: number;
  /** RFC 7252 §4.8 MAX_RETRANSMIT (default 4). */
  maxRetransmit: number;
  /** RFC 7252 §4.8.2 EXCHANGE_LIFETIME (247 s) and NON_LIFETIME (145 s). */
  exchangeLifetimeMs: number;
  nonLifetimeMs: number;
  /** Deduplication entries kept (bounds memory; the oldest go first). */
  maxExchanges: number;
  /** Largest request body, after Block1 reassembly. */
  maxPayloadBytes: number;
  /** Block size for Block2 responses and the largest single-datagram response payload. */
  blockSizeBytes: number;
  maxBlockTransfers: number;
  blockTransferTimeoutMs: number;
  /** Time to wait for a separate response after an empty ACK. */
  separateResponseTimeoutMs: number;
  /** SO_REUSEADDR, so that sockets bound to multicast groups may share the port (rd-multicast.ts). */
  reuseAddr?: boolean;
  now: () => number;
}

/** The answer to a handler's error: its CoAP code with a diagnostic payload (RFC 7252 §5.5.2, UTF-8). */
export function errorAnswer(err: unknown): CoapResponse {
  const e = toRoostError(err);
  return { code: e.coapCode, payload: Buffer.from(e.coapCode.startsWith('5.') ? e.code : `${e.code}: ${e.message}`.slice(0, 200)) };
}

export class CoapEndpoint {
  private socket: Socket | null = null;
  private nextMid = randomBytes(2).readUInt16BE(0);
  private readonly exchanges: ExchangeCache;
  private readonly blocks: Block1Assembler;
  /** Outgoing CONs awaiting ACK/RST, by remote + Message ID. */
  private readonly awaitingAck = new Map<string, { timer: NodeJS.Timeout; onAck: (m: CoapMessage) => void; onRst: () => void }>();
  /** The client side: requests to devices awaiting their responses (coap-requests.ts). */
  private readonly requests: CoapRequests;
  /** RFC 7959 §2.2 SZX of blockSizeBytes. */
  private readonly szx: number;
  readonly counters = {
    datagramsIn: 0, malformed: 0, badOption: 0, duplicates: 0, responsesSent: 0, resetsIn: 0, resetsOut: 0,
    retransmissions: 0, requestTimeouts: 0, blockTransfersIncomplete: 0, oversized: 0, handlerErrors: 0,
  };
  /** Requests whose answer waits (for a commit); a gauge in /metrics. */
  private awaiting = 0;
  /** Server-side: called when a peer rejects (RST) a message we sent (RFC 7641 §3.6). */
  onReset: ((from: Remote, mid: number) => void) | null = null;

  constructor(
    private readonly opts: EndpointOptions,
    private readonly handler: RequestHandler,
  ) {
    this.szx = Math.log2(opts.blockSizeBytes) - 4;
    this.requests = new CoapRequests({
      send: (bytes, to) => this.send(bytes, to),
      nextMessageId: () => this.nextMessageId(),
      transmitCon: (bytes, to, mid, onTimeout, onRst) => this.transmitCon(bytes, to, mid, onTimeout, onRst),
      reset: (mid, to) => this.reset(mid, to),
      responseTimeoutMs: () => this.maxTransmitWaitMs() + this.opts.separateResponseTimeoutMs,
      counters: this.counters,
    });
    this.exchanges = new ExchangeCache(opts.maxExchanges, opts.now);
    this.blocks = new Block1Assembler(
      { maxBodyBytes: opts.maxPayloadBytes, maxTransfers: opts.maxBlockTransfers, transferTimeoutMs: opts.blockTransferTimeoutMs },
      opts.now,
    );
  }

  async listen(): Promise<Remote> {
    const s = createSocket({ type: 'udp4', lookup: literalLookup, reuseAddr: this.opts.reuseAddr === true });
    this.socket = s;
    s.on('message', (buf, rinfo) => this.onDatagram(buf, rinfo));
    s.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(this.opts.port, this.opts.host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    const a = s.address();
    return { address: a.address, port: a.port };
  }

  gauges(): Record<string, number> {
    return { exchanges: this.exchanges.size, blockTransfers: this.blocks.size, pendingRequests: this.requests.size, answersAwaitingCommit: this.awaiting };
  }

  /** The unicast socket (rd-multicast.ts filters the groups off it). */
  get udpSocket(): Socket | null { return this.socket; }

  nextMessageId(): number {
    this.nextMid = (this.nextMid + 1) & 0xffff;
    return this.nextMid;
  }

  send(bytes: Buffer, to: Remote): void {
    this.socket?.send(bytes, to.port, to.address);
  }

  private onDatagram(buf: Buffer, from: RemoteInfo): void {
    this.counters.datagramsIn++;
    let msg: CoapMessage;
    try {
      msg = parseMessage(buf);
    } catch (err) {
      this.rejectUnparsable(buf, from, err);
      return;
    }
    switch (msg.type) {
      case 'ACK':
      case 'RST':
        this.onAckOrReset(msg, from);
        return;
      case 'CON':
      case 'NON':
        if (msg.code === EMPTY) {
          // RFC 7252 §4.3: an empty CON is a "ping", answered by RST.
          if (msg.type === 'CON') this.reset(msg.mid, from);
          return;
        }
        if (isRequest(msg.code)) this.onRequest(msg, from);
        else this.requests.onResponse(msg, from);
    }
  }

  private rejectUnparsable(buf: Buffer, from: Remote, err: unknown): void {
    const details = err instanceof RoostError ? err.details : undefined;
    if (details?.['option'] !== undefined && buf.length >= 4) {
      // RFC 7252 §5.4.1: unrecognized critical option in a CON request -> 4.02 Bad Option.
      this.counters.badOption++;
      const tkl = buf[0]! & 0x0f;
      if ((buf[0]! & 0x30) >> 4 === 0 && tkl <= 8) {
        this.send(encodeMessage({ type: 'ACK', code: '4.02', mid: buf.readUInt16BE(2), token: buf.subarray(4, 4 + tkl) }), from);
      }
      return;
    }
    this.counters.malformed++;
    // RFC 7252 §4.2: a CON that cannot be processed at all is rejected with RST.
    if (buf.length >= 4 && buf[0]! >> 6 === 1 && (buf[0]! & 0x30) === 0) this.reset(buf.readUInt16BE(2), from);
  }

  private reset(mid: number, to: Remote): void {
    this.counters.resetsOut++;
    this.send(encodeMessage({ type: 'RST', code: EMPTY, mid }), to);
  }

  private onRequest(req: CoapMessage, from: Remote): void {
    const key = `${from.address}:${from.port}:${req.mid}`;
    const dup = this.exchanges.lookup(key);
    if (dup) {
      // RFC 7252 §4.5: a duplicate CON gets the same response again; a duplicate NON is ignored.
      this.counters.duplicates++;
      if (req.type === 'CON' && dup.response) this.send(dup.response, from);
      return;
    }
    this.exchanges.remember(key, req.type === 'CON' ? this.opts.exchangeLifetimeMs : this.opts.nonLifetimeMs, null);
    const served = this.serve(req, from);
    if (served instanceof Promise) {
      this.awaiting++;
      served.then(
        (res) => this.answer(req, from, key, res),
        (err: unknown) => this.answer(req, from, key, this.errorResponse(err)),
      ).finally(() => this.awaiting--);
    } else {
      this.answer(req, from, key, served);
    }
  }

  private answer(req: CoapMessage, from: Remote, key: string, res: Served): void {
    if (!this.socket) return;
    let out: Buffer;
    try {
      out = this.frame(req, res);
    } catch {
      // A response that cannot be encoded is our fault, not the peer's: 5.00 (RFC 7252 §5.9.3), counted.
      this.counters.handlerErrors++;
      out = encodeMessage({ type: req.type === 'CON' ? 'ACK' : 'NON', code: '5.00', mid: req.type === 'CON' ? req.mid : this.nextMessageId(), token: req.token });
    }
    if (req.type === 'CON') this.exchanges.setResponse(key, out);
    this.counters.responsesSent++;
    this.send(out, from);
  }

  private serve(req: CoapMessage, from: Remote): Served | Promise<Served> {
    if (req.block1) {
      const b = req.block1;
      // RFC 7959 §2.5: blocks of one body are matched by endpoint and URI; tokens may differ.
      const r = this.blocks.add(`${remoteKey(from)}/${req.uriPath.join('/')}?${req.uriQuery.join('&')}`, b.num, b.more, b.szx, req.payload);
      switch (r.kind) {
        case 'continue':
          return { code: '2.31', block1: { num: b.num, more: true, szx: b.szx } }; // RFC 7959 §2.3
        case 'incomplete':
          this.counters.blockTransfersIncomplete++;
          return { code: '4.08', payload: Buffer.from('block out of sequence') }; // RFC 7959 §2.9.2
        case 'too-large':
          this.counters.oversized++;
          return { code: '4.13', size1: this.opts.maxPayloadBytes }; // RFC 7959 §2.9.3
        case 'complete': {
          const block1 = { num: b.num, more: false, szx: b.szx };
          const res = this.callHandler({ ...req, payload: r.body }, from);
          return res instanceof Promise ? res.then((x) => ({ ...x, block1 })) : { ...res, block1 };
        }
      }
    }
    if (req.payload.length > this.opts.maxPayloadBytes) {
      this.counters.oversized++;
      // RFC 7252 §5.9.2.9: 4.13 with Size1 telling the largest body accepted.
      return { code: '4.13', size1: this.opts.maxPayloadBytes };
    }
    return this.callHandler(req, from);
  }

  private callHandler(req: CoapMessage, from: Remote): CoapResponse | Promise<CoapResponse> {
    try {
      return this.handler(req, from);
    } catch (err) {
      return this.errorResponse(err);
    }
  }

  private errorResponse(err: unknown): CoapResponse {
    const res = errorAnswer(err);
    if (res.code.startsWith('5.')) this.counters.handlerErrors++;
    return res;
  }

  /** Type, Message ID, token and Block2 around a response (RFC 7252 §5.2, RFC 7959 §2.2). */
  private frame(req: CoapMessage, res: Served): Buffer {
    // One fixed shape, no object spread: this runs for every answer (a spread cost ~4 us here).
    const out: OutMessage = {
      type: req.type === 'CON' ? 'ACK' : 'NON',
      code: res.code,
      mid: req.type === 'CON' ? req.mid : this.nextMessageId(),
      token: req.token,
      payload: res.payload,
      contentFormat: res.contentFormat,
      locationPath: res.locationPath,
      observe: res.observe,
      maxAge: res.maxAge,
      size1: res.size1,
      block1: res.block1,
      oscore: res.oscore,
      echo: res.echo,
    };
    const body = res.payload;
    if (needsBlock2(body, res.code, this.opts.blockSizeBytes, req) && !sliceBlock2(out, body, this.szx, req)) {
      out.code = '4.02';
      out.payload = Buffer.from('block out of range');
    }
    return encodeMessage(out);
  }

  // ---- client side

  /** A request to a device, answered by its response (coap-requests.ts); with `onNotify`, an observation. */
  request(...args: Parameters<CoapRequests['request']>): Promise<CoapMessage> {
    return this.requests.request(...args);
  }

  /** Stops an observation started with request(…, onNotify) without telling the peer. */
  forget(to: Remote, token: Buffer): void {
    this.requests.forget(to, token);
  }

  /** Sends a CON (a request or a notification) with retransmission until ACK/RST (RFC 7252 §4.2). */
  transmitCon(bytes: Buffer, to: Remote, mid: number, onTimeout: () => void, onRst: () => void, onAck: (m: CoapMessage) => void = () => undefined): void {
    const key = `${remoteKey(to)}/${mid}`;
    let attempt = 0;
    // RFC 7252 §4.2: initial timeout random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR].
    let timeout = this.opts.ackTimeoutMs * (1 + Math.random() * 0.5);
    const arm = () => {
      const timer = setTimeout(() => {
        if (attempt >= this.opts.maxRetransmit) {
          this.awaitingAck.delete(key);
          onTimeout();
          return;
        }
        attempt++;
        this.counters.retransmissions++;
        timeout *= 2;
        this.send(bytes, to);
        arm();
      }, timeout);
      timer.unref?.();
      this.awaitingAck.set(key, { timer, onAck, onRst });
    };
    this.send(bytes, to);
    arm();
  }

  private maxTransmitWaitMs(): number {
    // RFC 7252 §4.8.2 MAX_TRANSMIT_WAIT = ACK_TIMEOUT * (2 ** (MAX_RETRANSMIT + 1) - 1) * ACK_RANDOM_FACTOR.
    return this.opts.ackTimeoutMs * (2 ** (this.opts.maxRetransmit + 1) - 1) * 1.5;
  }

  private onAckOrReset(msg: CoapMessage, from: Remote): void {
    const key = `${remoteKey(from)}/${msg.mid}`;
    const waiting = this.awaitingAck.get(key);
    if (msg.type === 'RST') this.counters.resetsIn++;
    if (waiting) {
      clearTimeout(waiting.timer);
      this.awaitingAck.delete(key);
      if (msg.type === 'RST') {
        waiting.onRst();
        this.onReset?.(from, msg.mid);
        return;
      }
      waiting.onAck(msg);
    } else if (msg.type === 'RST') {
      this.onReset?.(from, msg.mid);
      return;
    }
    // A piggybacked response (RFC 7252 §5.2.1); an empty ACK announces a separate one (§5.2.2).
    if (msg.type === 'ACK' && msg.code !== EMPTY) this.requests.onResponse(msg, from);
  }

  async close(): Promise<void> {
    for (const w of this.awaitingAck.values()) clearTimeout(w.timer);
    this.awaitingAck.clear();
    this.requests.close();
    this.exchanges.clear();
    this.blocks.clear();
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
