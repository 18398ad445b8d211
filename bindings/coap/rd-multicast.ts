/**
 * CoAP multicast discovery of the resource directory (RFC 9176 §4): the binding joins "All CoAP
 * Nodes" (RFC 7252 §12.8: 224.0.1.187, ff02::fd, ff05::fd) and answers `GET /.well-known/core`
 * filtered on `rt=core.rd` (or a wildcard matching it) with the RD's link, as a NON after a random
 * leisure (RFC 7252 §8.2). Every other multicast request gets no answer at all: no error, no RST
 * (RFC 7252 §8.1, RFC 6690 §4.1: no empty link-format document to a multicast request).
 *
 * Node's dgram does not tell a socket which address a datagram was sent to, so each group has a
 * socket bound to the group address (it receives that group only). Linux also delivers group
 * datagrams to a wildcard-bound socket of the same port (IP_MULTICAST_ALL), which would make the
 * unicast endpoint answer them too; the unicast socket therefore joins each group source-specific
 * for a source that never sends on a LAN (RFC 3678 INCLUDE filter), which filters the group out
 * of that socket while the interface stays a member for everyone.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { LINK_FORMAT_CONTENT_FORMAT, serializeLinkFormat } from '../../protocols/link-format/link-format.js';
import { encodeMessage, GET, parseMessage, type CoapMessage } from './coap-message.js';

export const ALL_COAP_NODES_V4 = '224.0.1.187';
/** Link-local and site-local scopes (RFC 7252 §12.8); ff02 is bound per interface, ff05 once. */
export const ALL_COAP_NODES_V6 = ['ff02::fd', 'ff05::fd'] as const;
/** The source the unicast socket's INCLUDE filter names: loopback never arrives on a LAN interface. */
const NO_SENDER = '127.0.0.1';

export interface MulticastOptions {
  /** The CoAP port (the unicast endpoint's; multicast requests go to 5683). */
  port: number;
  /** The unicast endpoint's host: a wildcard joins on every interface, an address on its own only. */
  host: string;
  /** Interface names to join on; empty: as host says. */
  interfaces: readonly string[];
  /** RFC 7252 §8.2 Leisure: an answer waits a random time below this (DEFAULT_LEISURE 5 s). */
  leisureMs: number;
  /** Answers waiting for their leisure at most; beyond, requests are dropped (counted). */
  maxPendingAnswers: number;
  /** How often interfaces are checked for ones that came up since (0: only at start). */
  rescanMs: number;
  /** The unicast endpoint's socket, filtered off the groups. */
  unicastSocket: Socket | null;
  onError: (what: string, err: Error) => void;
  /** The interface table (tests). */
  interfaceTable?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

export interface JoinTarget {
  name: string;
  /** The interface's IPv4 address, the one IPv4 memberships name. */
  ipv4?: string;
  ipv6: boolean;
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** Interfaces to join on: configured names, else every external one, else the one carrying host. */
export function joinTargets(table: NodeJS.Dict<NetworkInterfaceInfo[]>, host: string, wanted: readonly string[]): JoinTarget[] {
  const out: JoinTarget[] = [];
  for (const [name, addrs] of Object.entries(table)) {
    if (!addrs || addrs.length === 0 || addrs.every((a) => a.internal)) continue;
    if (wanted.length > 0 ? !wanted.includes(name) : !WILDCARD.has(host) && !addrs.some((a) => a.address === host)) continue;
    const v4 = addrs.find((a) => a.family === 'IPv4');
    out.push({ name, ...(v4 ? { ipv4: v4.address } : {}), ipv6: addrs.some((a) => a.family === 'IPv6') });
  }
  return out;
}

/** RFC 6690 §4.1: does the filter `rt=<value>` (a trailing `*` is a prefix match) select core.rd? */
export function selectsResourceDirectory(req: CoapMessage): boolean {
  if (req.code !== GET || req.type !== 'NON' || req.uriPath.join('/') !== '.well-known/core' || req.uriQuery.length !== 1) return false;
  const [name, value] = req.uriQuery[0]!.split('=', 2);
  if (name !== 'rt' || value === undefined) return false;
  return value.endsWith('*') ? 'core.rd'.startsWith(value.slice(0, -1)) : value === 'core.rd';
}

const RD_LINKS = Buffer.from(serializeLinkFormat([{ href: '/rd', attrs: { rt: 'core.rd', ct: String(LINK_FORMAT_CONTENT_FORMAT) } }]));

export class RdMulticast {
  readonly counters = { multicastRequests: 0, multicastAnswered: 0, multicastIgnored: 0, multicastDropped: 0, multicastJoinErrors: 0 };
  private v4: Socket | null = null;
  private v6Site: Socket | null = null;
  private readonly v6Link = new Map<string, Socket>();
  private readonly joinedV4 = new Set<string>();
  private readonly joinedV6 = new Set<string>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private rescan: NodeJS.Timeout | null = null;
  private mid = randomBytes(2).readUInt16BE(0);

  constructor(private readonly o: MulticastOptions) {}

  /** Groups joined now (a gauge). */
  get memberships(): number {
    return this.joinedV4.size + this.joinedV6.size * ALL_COAP_NODES_V6.length;
  }

  async start(): Promise<void> {
    await this.join();
    if (this.o.rescanMs > 0) {
      this.rescan = setInterval(() => void this.join(), this.o.rescanMs);
      this.rescan.unref();
    }
  }

  /** Joins the groups on interfaces not joined yet (a link that came up after the start). */
  private async join(): Promise<void> {
    for (const t of joinTargets((this.o.interfaceTable ?? networkInterfaces)(), this.o.host, this.o.interfaces)) {
      if (t.ipv4 && !this.joinedV4.has(t.name)) await this.try(`join ${ALL_COAP_NODES_V4} on ${t.name}`, () => this.joinV4(t.name, t.ipv4!));
      if (t.ipv6 && !this.joinedV6.has(t.name)) await this.try(`join ${ALL_COAP_NODES_V6.join(', ')} on ${t.name}`, () => this.joinV6(t.name));
    }
  }

  private async try(what: string, f: () => Promise<void>): Promise<void> {
    try {
      await f();
    } catch (err) {
      this.counters.multicastJoinErrors++;
      this.o.onError(what, err as Error);
    }
  }

  private async joinV4(name: string, address: string): Promise<void> {
    this.v4 ??= await this.open('udp4', ALL_COAP_NODES_V4);
    this.v4.addMembership(ALL_COAP_NODES_V4, address);
    this.o.unicastSocket?.addSourceSpecificMembership(NO_SENDER, ALL_COAP_NODES_V4, address);
    this.joinedV4.add(name);
  }

  private async joinV6(name: string): Promise<void> {
    const link = this.v6Link.get(name) ?? await this.open('udp6', `${ALL_COAP_NODES_V6[0]}%${name}`);
    this.v6Link.set(name, link);
    link.addMembership(ALL_COAP_NODES_V6[0], `::%${name}`);
    this.v6Site ??= await this.open('udp6', ALL_COAP_NODES_V6[1]);
    this.v6Site.addMembership(ALL_COAP_NODES_V6[1], `::%${name}`);
    this.joinedV6.add(name);
  }

  private async open(type: 'udp4' | 'udp6', group: string): Promise<Socket> {
    const s = createSocket({ type, reuseAddr: true, ...(type === 'udp6' ? { ipv6Only: true } : {}) });
    s.on('message', (buf, from) => this.onDatagram(s, buf, from));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(this.o.port, group, () => {
        s.off('error', reject);
        s.on('error', (err) => this.o.onError(`socket ${group}`, err));
        resolve();
      });
    });
    return s;
  }

  private onDatagram(s: Socket, buf: Buffer, from: RemoteInfo): void {
    this.counters.multicastRequests++;
    let req: CoapMessage;
    try {
      req = parseMessage(buf);
    } catch {
      this.counters.multicastIgnored++;
      return;
    }
    const key = `${from.address}:${from.port}:${req.mid}`;
    if (!selectsResourceDirectory(req) || this.pending.has(key)) {
      this.counters.multicastIgnored++;
      return;
    }
    if (this.pending.size >= this.o.maxPendingAnswers) {
      this.counters.multicastDropped++;
      return;
    }
    // RFC 7252 §8.2: the answer waits a random time within the leisure, so that a group does not answer at once.
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.mid = (this.mid + 1) & 0xffff;
      const out = encodeMessage({ type: 'NON', code: '2.05', mid: this.mid, token: req.token, contentFormat: LINK_FORMAT_CONTENT_FORMAT, payload: RD_LINKS });
      this.counters.multicastAnswered++;
      s.send(out, from.port, from.address);
    }, Math.random() * this.o.leisureMs);
    timer.unref();
    this.pending.set(key, timer);
  }

  async stop(): Promise<void> {
    if (this.rescan) clearInterval(this.rescan);
    this.rescan = null;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    const sockets = [this.v4, this.v6Site, ...this.v6Link.values()].filter((s): s is Socket => s !== null);
    this.v4 = null;
    this.v6Site = null;
    this.v6Link.clear();
    this.joinedV4.clear();
    this.joinedV6.clear();
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
