/**
 * Test rig: a gateway with the CoAP binding on 127.0.0.1 port 0, and a raw UDP client that
 * sends exact datagrams and collects the answers.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { CoapBinding } from '../../../bindings/coap/coap-binding.js';
import { encodeMessage, parseMessage, type CoapMessage, type OutMessage } from '../../../bindings/coap/coap-message.js';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../helpers/gateway.js';

export interface CoapRig {
  gw: TestGateway;
  coap: CoapBinding;
  gateway: { host: string; port: number };
  stop(): Promise<void>;
}

/**
 * Plain CoAP (`security: 'none'`) and every device approved on first contact (`open`) unless the
 * test says otherwise; `extra` is merged into the gateway config (e.g. `onboarding`).
 */
export async function startCoapGateway(
  coap: Record<string, unknown> = {},
  queue: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  opts: TestGatewayOptions = {},
): Promise<CoapRig> {
  const gw = await startTestGateway({
    bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, ackTimeoutMs: 200, expirySweepMs: 50, security: 'none', ...coap } },
    queue,
    onboarding: { defaultPolicy: 'open' },
    ...extra,
  }, opts);
  const coapBinding = gw.binding('coap') as CoapBinding;
  const at = coapBinding.listening;
  if (!at) throw new Error('coap binding did not listen');
  return { gw, coap: coapBinding, gateway: { host: at.address, port: at.port }, stop: () => gw.stop() };
}

export class RawClient {
  readonly socket: Socket = createSocket('udp4');
  readonly inbox: CoapMessage[] = [];
  private waiters: Array<(m: CoapMessage) => void> = [];
  private mid = 100;

  constructor(readonly to: { host: string; port: number }) {
    this.socket.on('message', (buf) => {
      const m = parseMessage(buf);
      const w = this.waiters.shift();
      if (w) w(m);
      else this.inbox.push(m);
    });
  }

  async open(): Promise<void> {
    this.socket.bind(0, '127.0.0.1');
    await once(this.socket, 'listening');
  }

  nextMid(): number {
    return ++this.mid;
  }

  sendRaw(bytes: Buffer): void {
    this.socket.send(bytes, this.to.port, this.to.host);
  }

  send(m: Partial<OutMessage>): void {
    this.sendRaw(encodeMessage({ type: 'CON', code: '0.01', mid: this.nextMid(), token: Buffer.from([1, 2, 3]), ...m }));
  }

  next(timeoutMs = 2000): Promise<CoapMessage> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no datagram')), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  }

  async request(m: Partial<OutMessage>): Promise<CoapMessage> {
    this.send(m);
    return this.next();
  }

  close(): void {
    this.socket.close();
  }
}
