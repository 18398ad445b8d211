/**
 * A SimRadio (firmware-sim/coap) shared by many simulated CoAP devices, with the fleet's hooks on
 * the way out: every datagram a device sends is counted for that device and passes through the
 * device's FaultyLink (loss, duplication, reordering), with the CON retransmission a loss causes. The device is found from the request's
 * path (`/t/<ep>`, `/a/<ep>/<id>`) or query (`/rd?ep=<ep>`), or for an OSCORE request (whose path
 * is encrypted) from the kid in its OSCORE option; other datagrams pass untouched. Each datagram is
 * also counted at the size it would have without OSCORE (its plain twin), for the report's cost.
 */
import { parse } from 'coap-packet';
import { SimRadio, type Address } from '../../coap/index.js';
import { decodeOscoreOption } from '../../../protocols/oscore/index.js';
import type { FaultyLink } from '../faults.js';

/** RFC 7252 §4.8 MAX_RETRANSMIT. */
const MODELLED_RETRANSMITS = 4;

/** Every token from here on is 4 bytes long for the next 3.7e9 requests. */
const FIXED_TOKEN_START = 0x10000000;

export interface RadioAccount {
  link: FaultyLink;
  datagramsUp: number;
  bytesUp: number;
  /** The same datagrams without OSCORE (an Echo repeat has none). */
  plainDatagramsUp?: number;
  plainBytesUp?: number;
}

/** The endpoint a request names, or `kid:<hex>` for an OSCORE request. */
function endpointOf(bytes: Buffer): string | undefined {
  let path: string[];
  let query: string[];
  try {
    const p = parse(bytes);
    if (!p.code.startsWith('0.') || p.code === '0.00') return undefined;
    const oscore = p.options.find((o) => o.name === 'OSCORE');
    if (oscore) return `kid:${decodeOscoreOption(oscore.value).kid?.toString('hex') ?? ''}`;
    path = p.options.filter((o) => o.name === 'Uri-Path').map((o) => o.value.toString());
    query = p.options.filter((o) => o.name === 'Uri-Query').map((o) => o.value.toString());
  } catch {
    return undefined;
  }
  if ((path[0] === 't' || path[0] === 'a') && path[1]) return path[1];
  if (path[0] === 'rd') return query.find((q) => q.startsWith('ep='))?.slice(3);
  return undefined;
}

export class FleetRadio extends SimRadio {
  private readonly accounts = new Map<string, RadioAccount>();
  /** Datagrams no device could be named for (ACKs, answers to the gateway's requests). */
  unattributed = 0;
  private opening: Promise<Address> | null = null;

  constructor(opts: { ackTimeoutMs?: number; maxRetransmit?: number } = {}) {
    super(opts);
    // SimRadio starts its token counter at Math.random(): 1 radio in 256 then sends 3-byte
    // tokens (and crosses to 4 bytes mid-run), so byte counts would differ between runs of the
    // same seed. SimRadio has no seed option yet; start the counter where every token is 4 bytes.
    Object.assign(this, { tokenSeq: FIXED_TOKEN_START });
  }

  /** SimRadio.open() called concurrently (many devices, one socket) fails with EBADF: open once. */
  override open(): Promise<Address> {
    this.opening ??= super.open();
    return this.opening;
  }

  /** `kid`: the device's OSCORE Sender ID (hex), when it speaks OSCORE. */
  attach(ep: string, account: RadioAccount, kid?: string): void {
    this.accounts.set(ep, account);
    if (kid !== undefined) this.accounts.set(`kid:${kid}`, account);
  }

  detach(ep: string, kid?: string): void {
    this.accounts.delete(ep);
    if (kid !== undefined) this.accounts.delete(`kid:${kid}`);
  }

  override sendRaw(bytes: Buffer, to: Address, plainBytes?: number, named?: string): void {
    const ep = named ?? endpointOf(bytes);
    const account = ep === undefined ? undefined : this.accounts.get(ep);
    if (!account) {
      this.unattributed++;
      super.sendRaw(bytes, to);
      return;
    }
    const plain = plainBytes ?? bytes.length;
    const count = (): void => {
      account.datagramsUp++;
      account.bytesUp += bytes.length;
      if (plain > 0) account.plainDatagramsUp = (account.plainDatagramsUp ?? 0) + 1;
      account.plainBytesUp = (account.plainBytesUp ?? 0) + plain;
    };
    count();
    if (!account.link.active) {
      super.sendRaw(bytes, to);
      return;
    }
    let onAir = account.link.up(bytes);
    // RFC 7252 §4.2: a CON with no ACK is sent again after ACK_TIMEOUT. When the link lost or
    // held it, the retransmission is modelled at once, so the count depends on the seed and not
    // on how fast the gateway answered; SimRadio's own timer stays the net for real losses.
    for (let n = 0; !onAir.includes(bytes) && n < MODELLED_RETRANSMITS; n++) {
      for (const b of onAir) super.sendRaw(b, to);
      count();
      onAir = account.link.up(bytes);
    }
    for (const b of onAir) super.sendRaw(b, to);
  }

  /** Sends what a device's link still holds back (it goes to sleep). */
  flush(ep: string, to: Address): void {
    const account = this.accounts.get(ep);
    if (account) for (const b of account.link.flush()) super.sendRaw(b, to);
  }
}
