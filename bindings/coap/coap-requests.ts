/**
 * The client side of a CoAP endpoint: requests the gateway sends to devices (LwM2M operations,
 * observations), matched to their responses by remote and token (RFC 7252 §5.3.2), piggybacked
 * (§5.2.1) or separate (§5.2.2, acknowledged); an observation's notifications (RFC 7641 §3) go on
 * until it is forgotten, and a response or notification nobody waits for is rejected with RST
 * (§3.6). Sending, Message IDs and CON retransmission are the endpoint's (coap-endpoint.ts).
 */
import { randomBytes } from 'node:crypto';
import { DeviceTimeoutError, FrameInvalidError } from '../../protocols/errors.js';
import { EMPTY, encodeMessage, type CoapMessage, type OutMessage } from './coap-message.js';

export interface Remote {
  address: string;
  port: number;
}

/** What the requests need of their endpoint. */
export interface RequestTransport {
  send(bytes: Buffer, to: Remote): void;
  nextMessageId(): number;
  /** Sends a CON with retransmission until ACK/RST (RFC 7252 §4.2). */
  transmitCon(bytes: Buffer, to: Remote, mid: number, onTimeout: () => void, onRst: () => void): void;
  /** Rejects a message with RST (counted by the endpoint). */
  reset(mid: number, to: Remote): void;
  /** How long a request waits for its response in all (ms): MAX_TRANSMIT_WAIT and the separate response's wait. */
  responseTimeoutMs(): number;
  /** Counted here: requests that got no response in time. */
  counters: { requestTimeouts: number };
}

interface Pending {
  resolve: (m: CoapMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
  /** Observation: called for every notification; the pending entry stays until forgotten. */
  onNotify?: (m: CoapMessage) => void;
}

export const remoteKey = (r: Remote): string => `${r.address}:${r.port}`;
const tokenKey = (r: Remote, token: Buffer): string => `${remoteKey(r)}#${token.toString('hex')}`;

export class CoapRequests {
  /** Outgoing requests and observations awaiting a response, by remote + token. */
  private readonly byToken = new Map<string, Pending>();

  constructor(private readonly t: RequestTransport) {}

  get size(): number {
    return this.byToken.size;
  }

  /**
   * Sends a request (CON unless `type` says NON) and resolves with the response, piggybacked or
   * separate. Retransmits a CON with exponential back-off (RFC 7252 §4.2). Rejects DeviceTimeoutError.
   * With `onNotify`, the request is an observation: notifications keep arriving until forget().
   */
  request(
    to: Remote,
    m: Omit<OutMessage, 'mid' | 'token' | 'type'> & { type?: 'CON' | 'NON' },
    onNotify?: (n: CoapMessage) => void,
    token: Buffer = randomBytes(4),
  ): Promise<CoapMessage> {
    const mid = this.t.nextMessageId();
    const bytes = encodeMessage({ ...m, type: m.type ?? 'CON', mid, token });
    const key = tokenKey(to, token);
    return new Promise<CoapMessage>((resolve, reject) => {
      const pending: Pending = { resolve, reject, timer: null, ...(onNotify ? { onNotify } : {}) };
      this.byToken.set(key, pending);
      const fail = (e: Error) => {
        this.byToken.delete(key);
        if (pending.timer) clearTimeout(pending.timer);
        reject(e);
      };
      pending.timer = setTimeout(() => {
        this.t.counters.requestTimeouts++;
        fail(new DeviceTimeoutError(`no response from ${remoteKey(to)}`));
      }, this.t.responseTimeoutMs());
      pending.timer.unref?.();
      if ((m.type ?? 'CON') === 'CON') {
        this.t.transmitCon(bytes, to, mid, () => fail(new DeviceTimeoutError(`no ACK from ${remoteKey(to)}`)), () => fail(new FrameInvalidError(`request reset by ${remoteKey(to)}`)));
      } else this.t.send(bytes, to);
    });
  }

  /** Stops an observation started with request(…, onNotify) without telling the peer. */
  forget(to: Remote, token: Buffer): void {
    const key = tokenKey(to, token);
    const p = this.byToken.get(key);
    if (p?.timer) clearTimeout(p.timer);
    this.byToken.delete(key);
  }

  /** A response (piggybacked in an ACK, or a separate CON/NON) or a notification. */
  onResponse(msg: CoapMessage, from: Remote): void {
    const key = tokenKey(from, msg.token);
    const p = this.byToken.get(key);
    // RFC 7252 §5.2.2: a separate CON response is acknowledged; RFC 7641 §3.6: an unwanted
    // notification is rejected with RST.
    if (msg.type === 'CON') {
      if (p) this.t.send(encodeMessage({ type: 'ACK', code: EMPTY, mid: msg.mid }), from);
      else this.t.reset(msg.mid, from);
    } else if (!p && msg.type === 'NON') {
      this.t.reset(msg.mid, from);
    }
    if (!p) return;
    if (p.onNotify && msg.observe !== undefined && msg.code.startsWith('2.')) {
      // RFC 7641 §3.3: the first response confirms the registration, later ones are notifications.
      if (p.timer) {
        clearTimeout(p.timer);
        p.timer = null;
        p.resolve(msg);
      }
      p.onNotify(msg);
      return;
    }
    if (p.timer) clearTimeout(p.timer);
    this.byToken.delete(key);
    p.resolve(msg);
  }

  /** Fails every request still waiting (the endpoint closes). */
  close(): void {
    for (const p of this.byToken.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new DeviceTimeoutError('endpoint closed'));
    }
    this.byToken.clear();
  }
}
