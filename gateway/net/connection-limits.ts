/**
 * Bounds on the TCP connections a service accepts before anyone on them is authenticated: in all,
 * and from one source. A connection beyond either is closed the moment it is accepted, before a
 * TLS handshake or an HTTP/MQTT parser costs anything, and counted. One instance serves every
 * listener of a service (HTTP and HTTPS share one, MQTT and MQTTS another), so the bound holds
 * whichever port a peer picks.
 *
 * The source of a connection is its IPv4 address, or the /64 prefix of an IPv6 address (one
 * host on an IPv6 LAN has a whole /64 to pick addresses from, RFC 4291 §2.5.4; an IPv4-mapped
 * address counts as its IPv4 address). Without the per-source bound one peer holding idle sockets
 * (a slowloris, a leaking client) would take every slot and lock everybody else out.
 */
import type { Server, Socket } from 'node:net';
import type { MetricSample } from '../metrics/metric-sample.js';

export interface ConnectionLimitOptions {
  /** Open connections in all; 0: no bound. */
  maxConnections: number;
  /** Open connections from one source (an IPv4 address or an IPv6 /64); 0: no bound. */
  maxConnectionsPerSource: number;
}

export type Refusal = 'total' | 'per-source';

export class ConnectionLimits {
  private readonly bySource = new Map<string, number>();
  private openCount = 0;
  readonly refused: Record<Refusal, number> = { total: 0, 'per-source': 0 };
  accepted = 0;

  constructor(readonly o: ConnectionLimitOptions) {}

  get open(): number {
    return this.openCount;
  }

  /** Open connections from the source of `address`. */
  openFrom(address: string | undefined): number {
    return this.bySource.get(sourceKey(address)) ?? 0;
  }

  /**
   * Takes a slot for a connection from `address`, or says which bound refuses it. A taken slot
   * must be given back with release() with the same address, once.
   */
  admit(address: string | undefined): Refusal | null {
    const key = sourceKey(address);
    const fromSource = this.bySource.get(key) ?? 0;
    const refusal: Refusal | null = this.o.maxConnections > 0 && this.openCount >= this.o.maxConnections ? 'total'
      : this.o.maxConnectionsPerSource > 0 && fromSource >= this.o.maxConnectionsPerSource ? 'per-source' : null;
    if (refusal) {
      this.refused[refusal]++;
      return refusal;
    }
    this.bySource.set(key, fromSource + 1);
    this.openCount++;
    this.accepted++;
    return null;
  }

  release(address: string | undefined): void {
    const key = sourceKey(address);
    const n = this.bySource.get(key);
    if (n === undefined) return;
    if (n <= 1) this.bySource.delete(key);
    else this.bySource.set(key, n - 1);
    this.openCount--;
  }

  /** Samples for /metrics, labelled with the service these limits guard (`http`, `mqtt`). */
  metrics(service: string): MetricSample[] {
    const refused = (reason: Refusal): MetricSample => ({
      name: 'roost_connections_refused_total', help: 'TCP connections closed as they were accepted, over a connection bound (total, or per source).',
      type: 'counter', value: this.refused[reason], labels: { service, reason },
    });
    return [
      { name: 'roost_connections_open', help: 'TCP connections open now.', type: 'gauge', value: this.openCount, labels: { service } },
      refused('total'),
      refused('per-source'),
    ];
  }
}

/** The key a connection's source is counted under: an IPv4 address, or an IPv6 /64 as `xxxx:xxxx:xxxx:xxxx::/64`. */
export function sourceKey(address: string | undefined): string {
  if (address === undefined || address === '') return '';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  // A socket's remote address is an IP address as Node prints it: IPv6 exactly when it has a colon.
  // (net.isIPv6 costs ~10 ms at its first call and ~2.5 at the second, compiling its expression:
  // on the path of a start's first connections. docs/image.md "Start-up and memory".)
  if (!address.includes(':')) return address;
  const bare = address.split('%')[0]!.toLowerCase();
  const [head, tail] = bare.includes('::') ? bare.split('::') as [string, string] : [bare, null];
  const front = head === '' ? [] : head.split(':');
  const back = tail === null || tail === '' ? [] : tail.split(':');
  const groups = tail === null ? front : [...front, ...new Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Puts `limits` in front of a server (net, tls, http or https), whenever its listeners were added:
 * a connection it refuses is reset and never emitted as `connection`, so no listener of the server
 * (the TLS handshake, the HTTP parser, the MQTT broker) sees it; an admitted one gives its slot
 * back when it closes. `onRefused` is told of each refusal.
 */
export function limitConnections(server: Server, limits: ConnectionLimits, onRefused?: (reason: Refusal, address: string | undefined) => void): void {
  const emit = server.emit;
  // Gating emit rather than adding a listener: a listener cannot stop the server's own ones.
  server.emit = function gatedEmit(this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection') {
      const socket = args[0] as Socket;
      const address = socket.remoteAddress;
      const refusal = limits.admit(address);
      if (refusal) {
        // A reset, not a FIN: nothing of the peer's is read, and no TIME_WAIT is left on our side.
        socket.resetAndDestroy();
        onRefused?.(refusal, address);
        return false;
      }
      socket.once('close', () => limits.release(address));
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as Server['emit'];
}
