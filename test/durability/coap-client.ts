/**
 * The CoAP side of a test device, on node:dgram and the binding's message codec: confirmable
 * requests with RFC 7252 §4.2 retransmission (random initial timeout, doubling), piggybacked or
 * separate responses (§5.2.2: an empty ACK, then the response in its own CON or NON, matched by
 * token), and requests from the gateway answered by a handler (null = the radio is off, no answer),
 * with the answers to recent Message IDs sent again for duplicates (§4.5). The gateway's port is
 * asked for at every (re)transmission: it changes when the gateway restarts on port 0.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { encodeMessage, parseMessage, type CoapMessage, type OutMessage } from '../../bindings/coap/coap-message.js';
import type { Prng } from '../../firmware-sim/fleet/prng.js';

export interface CoapClientOptions {
  /** The gateway's CoAP port now, or null while it is down (a transmission is then skipped). */
  port: () => number | null;
  /** RFC 7252 ACK_TIMEOUT; the first wait is random in [t, 1.5 t]. */
  ackTimeoutMs: number;
  /** RFC 7252 MAX_RETRANSMIT. */
  maxRetransmit: number;
  /** Wait for a separate response after an empty ACK. */
  separateTimeoutMs: number;
  rng: Prng;
}

/** What a request carries (type, Message ID and token are the client's). */
export type Request = Omit<OutMessage, 'type' | 'mid' | 'token'>;

/** An answer to a request from the gateway. */
export type Answer = Omit<OutMessage, 'type' | 'mid' | 'token'>;

interface Exchange {
  type: 'CON' | 'NON';
  mid: number;
  token: string;
  acked: boolean;
  timer: NodeJS.Timeout | null;
  resolve(res: CoapMessage | null): void;
}

const RECENT_INCOMING = 64;

export class CoapClient {
  private readonly socket: Socket;
  private mid: number;
  private readonly byMid = new Map<number, Exchange>();
  private readonly byToken = new Map<string, Exchange>();
  /** Answers to the gateway's recent CON requests by Message ID (duplicates get them again). */
  private readonly answered = new Map<number, Buffer | null>();
  private closed = false;
  /** Requests from the gateway: answer, or null to stay silent. */
  onRequest: (req: CoapMessage) => Answer | null = () => null;
  readonly counters = { requests: 0, retransmissions: 0, timeouts: 0, separateResponses: 0, nonAnswers: 0, incoming: 0, incomingDuplicates: 0 };

  private constructor(private readonly opts: CoapClientOptions, socket: Socket) {
    this.socket = socket;
    this.mid = opts.rng.nextUint32() & 0xffff;
    socket.on('message', (buf, rinfo) => this.receive(buf, rinfo.port));
  }

  static async open(opts: CoapClientOptions): Promise<CoapClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // ICMP port unreachable while the gateway is down must not kill the socket.
    socket.on('error', () => undefined);
    return new CoapClient(opts, socket);
  }

  /**
   * A request; null when no answer came. CON: retransmitted up to maxRetransmit (RFC 7252 §4.2),
   * then the separate wait after an empty ACK. NON: sent once (§4.3), the answer (a NON matched
   * by token, §5.2.3) awaited for as long as a CON's retransmissions would last.
   */
  request(req: Request, type: 'CON' | 'NON' = 'CON'): Promise<CoapMessage | null> {
    if (this.closed) return Promise.resolve(null);
    this.counters.requests++;
    this.mid = (this.mid + 1) & 0xffff;
    const mid = this.mid;
    const token = randomBytes(4);
    const bytes = encodeMessage({ ...req, type, mid, token });
    return new Promise((resolve) => {
      const ex: Exchange = {
        type, mid, token: token.toString('hex'), acked: false, timer: null,
        resolve: (res) => {
          if (ex.timer) clearTimeout(ex.timer);
          this.byMid.delete(mid);
          this.byToken.delete(ex.token);
          resolve(res);
        },
      };
      if (type === 'CON') this.byMid.set(mid, ex);
      this.byToken.set(ex.token, ex);
      let sends = 0;
      let wait = this.opts.ackTimeoutMs * (1 + this.opts.rng.next() * 0.5);
      const transmit = (): void => {
        if (ex.acked || this.closed) return;
        if (sends > (type === 'CON' ? this.opts.maxRetransmit : 0)) {
          this.counters.timeouts++;
          ex.resolve(null);
          return;
        }
        if (sends > 0) this.counters.retransmissions++;
        sends++;
        this.send(bytes);
        ex.timer = setTimeout(transmit, type === 'CON' ? wait : wait * (2 ** (this.opts.maxRetransmit + 1) - 1));
        wait *= 2;
      };
      transmit();
    });
  }

  private send(bytes: Buffer): void {
    const port = this.opts.port();
    if (port === null || this.closed) return;
    this.socket.send(bytes, port, '127.0.0.1');
  }

  private receive(buf: Buffer, fromPort: number): void {
    let m: CoapMessage;
    try {
      m = parseMessage(buf);
    } catch {
      return;
    }
    if (m.type === 'ACK' || m.type === 'RST') {
      const ex = this.byMid.get(m.mid);
      if (!ex) return;
      if (m.type === 'RST') return ex.resolve(null);
      if (m.code === '0.00') {
        // RFC 7252 §5.2.2: an empty ACK; the response follows in its own message.
        ex.acked = true;
        if (ex.timer) clearTimeout(ex.timer);
        ex.timer = setTimeout(() => ex.resolve(null), this.opts.separateTimeoutMs);
        return;
      }
      return ex.resolve(m);
    }
    if (m.code.startsWith('0.')) return this.incoming(m, fromPort);
    // A separate response (CON or NON), matched by token.
    const ex = this.byToken.get(m.token.toString('hex'));
    if (m.type === 'CON') this.socket.send(encodeMessage({ type: ex ? 'ACK' : 'RST', code: '0.00', mid: m.mid }), fromPort, '127.0.0.1');
    if (!ex) return;
    if (ex.type === 'NON') this.counters.nonAnswers++;
    else this.counters.separateResponses++;
    ex.resolve(m);
  }

  private incoming(m: CoapMessage, fromPort: number): void {
    this.counters.incoming++;
    if (m.type === 'CON' && this.answered.has(m.mid)) {
      this.counters.incomingDuplicates++;
      const again = this.answered.get(m.mid);
      if (again) this.socket.send(again, fromPort, '127.0.0.1');
      return;
    }
    const answer = this.onRequest(m);
    if (answer === null) return;
    const bytes = encodeMessage({ ...answer, type: m.type === 'CON' ? 'ACK' : 'NON', mid: m.type === 'CON' ? m.mid : (this.mid = (this.mid + 1) & 0xffff), token: m.token });
    if (m.type === 'CON') {
      this.answered.set(m.mid, bytes);
      if (this.answered.size > RECENT_INCOMING) this.answered.delete(this.answered.keys().next().value!);
    }
    this.socket.send(bytes, fromPort, '127.0.0.1');
  }

  /** Gives up every open exchange (answers null) and closes the socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ex of [...this.byMid.values()]) ex.resolve(null);
    this.socket.close();
  }
}
