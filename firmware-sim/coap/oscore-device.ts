/**
 * OSCORE (RFC 8613) on a firmware-sim CoAP device, done as firmware would do it with the codec of
 * protocols/oscore (docs/protocols/oscore.md):
 *
 * - as client: every request protected with the device's Sender Context (kid = its Sender ID),
 *   the Sender Sequence Number taken the Appendix B.1.1 way (the value S written to the device's
 *   "flash" before a number of a new block leaves; after a reboot it continues at S + K), the
 *   answer verified with the request's exchange; a protected 4.01 with Echo (the gateway's first
 *   contact after it started, RFC 8613 B.1.2, RFC 9175 §2.4) makes it send the request once more
 *   with the Echo value;
 * - as server (an always-on device): the gateway's protected requests verified against a replay
 *   window, the inner request handed to the device's own handler, the answer protected with the
 *   request's nonce; notifications to a protected Observe carry the device's own Partial IV.
 *
 * It also counts what OSCORE costs: the bytes each protected message adds to its plain twin, and
 * the Echo round trips, so that the fleet's report can set them beside plain CoAP.
 */
import { parse, type ParsedPacket } from 'coap-packet';
import {
  ECHO, OBSERVE, OSCORE, OscoreError, ReplayWindow, SequenceStore, decodeCoapDatagram, deriveContext, encodeCoapDatagram, hasOscoreOption,
  protectRequest, protectResponse, unprotectRequest, unprotectResponse, type CoapContent, type CoapDatagram, type CoapOption, type CoapType,
  type OscoreContext, type OscoreExchange,
} from '../../protocols/oscore/index.js';
import { EDHOC_OPTION_NUMBER, encodeCombinedPayload } from '../../protocols/edhoc/index.js';
import { uint, type Address, type SimRadio, type SimRequest, type SimResponse, type SimServe } from './sim-radio.js';

/** The device's provisioning (docs/protocols/oscore.md "Parameters"), byte strings in hex. */
export interface OscoreKeys {
  masterSecret: string;
  /** Default: empty. */
  masterSalt?: string;
  /** The device's kid (1-7 bytes). */
  senderId: string;
  /** The gateway's Sender ID; default '' (the empty byte string). */
  recipientId?: string;
}

/** What the device keeps in flash for OSCORE: the stored Sender Sequence Number S (RFC 8613 Appendix B.1.1). */
export interface OscoreFlash {
  storedSeq: number | null;
  /** Flash writes so far (one per block of K numbers, and one at the first number after each boot). */
  writes: number;
}

export function emptyFlash(): OscoreFlash {
  return { storedSeq: null, writes: 0 };
}

export interface OscoreOptions extends OscoreKeys {
  /** Kept across reboots: pass the same object to the device's next instance. */
  flash?: OscoreFlash;
  /** K of Appendix B.1.1: sequence numbers per flash write (default 64). */
  sequenceBlock?: number;
}

/** What OSCORE cost so far. */
export interface OscoreStats {
  /** Protected messages that have a plain twin (requests, and the answers acted on). */
  messages: number;
  /** Their bytes above the plain twin's, summed. */
  overheadBytes: number;
  /** Extra round trips for an Echo challenge (the gateway's first contact after its start). */
  echoRoundTrips: number;
  /** Protected requests of the gateway this device served (always-on devices). */
  served: number;
}

// RFC 7252 §12.2: option numbers the device writes by hand.
const URI_PATH = 11;
const CONTENT_FORMAT = 12;
const URI_QUERY = 15;
const MAX_AGE = 14;

const METHOD_CODE: Readonly<Record<SimRequest['method'], string>> = { GET: '0.01', POST: '0.02', PUT: '0.03', DELETE: '0.04' };

function requestOptions(req: SimRequest, echo: Buffer | undefined): CoapOption[] {
  const o: CoapOption[] = [];
  if (req.observe !== undefined) o.push({ number: OBSERVE, value: uint(req.observe) });
  for (const p of req.path) o.push({ number: URI_PATH, value: Buffer.from(p) });
  if (req.contentFormat !== undefined) o.push({ number: CONTENT_FORMAT, value: uint(req.contentFormat) });
  for (const q of req.query ?? []) o.push({ number: URI_QUERY, value: Buffer.from(q) });
  if (echo) o.push({ number: ECHO, value: echo });
  return o;
}

/** A datagram as coap-packet parses it (the shape SimRadio's handlers and callers read). */
function asParsed(d: CoapDatagram): ParsedPacket {
  return parse(encodeCoapDatagram(d));
}

const withoutOscore = (c: CoapContent): CoapContent => ({ ...c, options: c.options.filter((o) => o.number !== OSCORE) });

/** RFC 9668 §3.2.1: the empty EDHOC option, and message_3 (a CBOR byte string) before the OSCORE ciphertext. */
function withEdhoc(message: CoapContent, message3: Uint8Array): CoapContent {
  return {
    ...message,
    options: [...message.options, { number: EDHOC_OPTION_NUMBER, value: Buffer.alloc(0) }],
    payload: Buffer.from(encodeCombinedPayload(message3, message.payload)),
  };
}

export class DeviceOscore {
  readonly context: OscoreContext;
  readonly flash: OscoreFlash;
  readonly stats: OscoreStats = { messages: 0, overheadBytes: 0, echoRoundTrips: 0, served: 0 };
  private readonly seqs: SequenceStore;
  /** The gateway's requests (always-on device); a new instance (a reboot) starts empty. */
  private readonly window = new ReplayWindow();

  constructor(o: OscoreOptions) {
    this.context = deriveContext({
      masterSecret: Buffer.from(o.masterSecret, 'hex'),
      masterSalt: Buffer.from(o.masterSalt ?? '', 'hex'),
      senderId: Buffer.from(o.senderId, 'hex'),
      recipientId: Buffer.from(o.recipientId ?? '', 'hex'),
    });
    this.flash = o.flash ?? emptyFlash();
    const k = { persistInterval: o.sequenceBlock ?? 64 };
    // RFC 8613 B.1.1: after a reboot continue above every number the stored S allowed.
    this.seqs = this.flash.storedSeq === null ? SequenceStore.fresh(k) : SequenceStore.resume(this.flash.storedSeq, k);
  }

  /** The next Sender Sequence Number, S written to flash first when the number opens a new block. */
  nextSeq(): number {
    const t = this.seqs.next();
    if (t.persist !== null) {
      this.flash.storedSeq = t.persist;
      this.flash.writes++;
      this.seqs.persisted(t.persist);
    }
    return t.seq;
  }

  /** The number the next request uses. */
  get peekSeq(): number {
    return this.seqs.peek;
  }

  /**
   * Sends `req` protected through `radio`; repeats it once with the Echo value of a protected 4.01
   * (RFC 9175 §2.4). `edhocMessage3`: the EDHOC + OSCORE combined request (RFC 9668 §3.2.1): the
   * EDHOC option and message_3 before the ciphertext; its bytes are not OSCORE's overhead.
   * `ep`: the device, for a radio that counts datagrams per device.
   */
  async request(radio: SimRadio, to: Address, req: SimRequest, edhocMessage3?: Uint8Array, ep?: string): Promise<SimResponse> {
    const type: CoapType = req.confirmable ?? true ? 0 : 1;
    const total = { bytesUp: 0, bytesDown: 0, datagramsDown: 0, rttMs: 0 };
    let echo: Buffer | undefined;
    for (;;) {
      const inner: CoapContent = { code: METHOD_CODE[req.method], options: requestOptions(req, echo), payload: req.payload ?? Buffer.alloc(0) };
      const { message, exchange } = protectRequest(this.context, inner, this.nextSeq());
      const combined = echo ? undefined : edhocMessage3;
      const sent = combined ? withEdhoc(message, combined) : message;
      let plainUp = 0;
      const r = await radio.exchange(to, (mid, token) => {
        const bytes = encodeCoapDatagram({ type, mid, token, ...sent });
        // The Echo repeat has no plain twin: plain CoAP would have been served the first time.
        if (!echo) {
          plainUp = encodeCoapDatagram({ type, mid, token, ...inner }).length;
          const protectedOnly = combined ? encodeCoapDatagram({ type, mid, token, ...message }).length : bytes.length;
          this.count(protectedOnly - plainUp);
        }
        return { bytes, plainBytes: echo ? 0 : plainUp, ...(ep !== undefined ? { ep } : {}) };
      });
      total.bytesUp += r.bytesUp;
      total.bytesDown += r.bytesDown;
      total.datagramsDown++;
      total.rttMs += r.rttMs;
      const outer = decodeCoapDatagram(r.raw);
      // RFC 8613 §8.4: an unprotected answer is an error from the OSCORE layer (a hint, never acted on as success).
      const answer = hasOscoreOption(outer) ? unprotectResponse(this.context, exchange, outer) : outer;
      const challenge = answer !== outer && answer.code === '4.01' ? answer.options.find((o) => o.number === ECHO) : undefined;
      if (challenge && !echo) {
        echo = Buffer.from(challenge.value);
        this.stats.echoRoundTrips++;
        continue;
      }
      const plain = encodeCoapDatagram({ type: outer.type, mid: outer.mid, token: outer.token, ...withoutOscore(answer) });
      if (answer !== outer) this.count(r.raw.length - plain.length);
      const p = asParsed({ type: outer.type, mid: outer.mid, token: outer.token, ...withoutOscore(answer) });
      return {
        code: p.code, payload: p.payload, options: p.options, bytesUp: total.bytesUp, bytesDown: total.bytesDown, datagramsDown: total.datagramsDown,
        plainBytesDown: plain.length, plainDatagramsDown: 1, rttMs: total.rttMs, protected: answer !== outer,
      };
    }
  }

  /**
   * A request the gateway sent, as bytes: undefined when it is plain (the caller serves it),
   * else the protected answer of `handle` to the verified inner request, or the unprotected
   * error of RFC 8613 §8.2. `observed` gets the exchange of a protected Observe registration.
   */
  serve(raw: Buffer, handle: SimServe, from: Address, observed?: (token: Buffer, exchange: OscoreExchange) => void): Buffer | undefined {
    let d: CoapDatagram;
    try {
      d = decodeCoapDatagram(raw);
    } catch {
      return undefined;
    }
    if (!hasOscoreOption(d) || !d.code.startsWith('0.')) return undefined;
    const answerType: CoapType = d.type === 0 ? 2 : 1;
    let u: ReturnType<typeof unprotectRequest>;
    try {
      u = unprotectRequest(d, (kid) => (kid.equals(this.context.recipientId) ? { context: this.context, replay: this.window } : undefined));
    } catch (err) {
      if (!(err instanceof OscoreError)) throw err;
      // RFC 8613 §8.2: a plain error answer, Max-Age 0.
      return encodeCoapDatagram({ type: answerType, mid: d.mid, token: d.token, code: err.coapCode, options: [{ number: MAX_AGE, value: Buffer.alloc(0) }], payload: Buffer.from(err.diagnostic) });
    }
    this.stats.served++;
    const res = handle(asParsed({ type: d.type, mid: d.mid, token: d.token, ...u.message }), from);
    if (res.observe !== undefined) observed?.(Buffer.from(d.token), u.exchange);
    const content = this.answerContent(res);
    return encodeCoapDatagram({ type: answerType, mid: d.mid, token: d.token, ...protectResponse(this.context, u.exchange, content) });
  }

  /** A notification to a protected Observe: with the device's own Partial IV (RFC 8613 §4.1.3.5.2). */
  notification(exchange: OscoreExchange, token: Buffer, mid: number, res: ReturnType<SimServe>): Buffer {
    return encodeCoapDatagram({ type: 1, mid, token, ...protectResponse(this.context, exchange, this.answerContent(res), this.nextSeq()) });
  }

  private answerContent(res: ReturnType<SimServe>): CoapContent {
    const options: CoapOption[] = [];
    if (res.observe !== undefined) options.push({ number: OBSERVE, value: uint(res.observe) });
    if (res.contentFormat !== undefined) options.push({ number: CONTENT_FORMAT, value: uint(res.contentFormat) });
    return { code: res.code, options, payload: res.payload ?? Buffer.alloc(0) };
  }

  private count(overhead: number): void {
    this.stats.messages++;
    this.stats.overheadBytes += overhead;
  }
}
