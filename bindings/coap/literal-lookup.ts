/**
 * The lookup the CoAP socket uses. Every datagram goes to an address a peer sent from: an IPv4
 * literal needs no resolver. dgram's default lookup defers each send to the next tick through
 * dns.lookup, which the ingest profile showed on every answer; host names still resolve.
 */
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIPv4 } from 'node:net';

export function literalLookup(host: string, _opts: LookupOneOptions, cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  if (isIPv4(host)) cb(null, host, 4);
  else dnsLookup(host, { family: 4 }, cb);
}
