/**
 * The DNS-SD services (RFC 6763) the gateway advertises over mDNS, as data: one row per kind of
 * listener, kept when that listener is on and reachable from the network, with the port it bound.
 */

/** Where one listener bound: its configured host (0.0.0.0, :: or one address) and its port. */
export interface Listener {
  host: string;
  port: number;
}

/** The gateway's listeners that are on; an absent one is advertised nowhere. */
export interface Listeners {
  http?: Listener;
  https?: Listener;
  mqtt?: Listener;
  mqtts?: Listener;
  coap?: Listener;
}

/** One service instance to advertise (the instance name is the advertiser's). */
export interface DnsSdService {
  /** `<type>.<protocol>`, unique per gateway. */
  key: string;
  type: string;
  protocol: 'tcp' | 'udp';
  subtypes: string[];
  port: number;
  txt: Record<string, string>;
}

interface Row {
  listener: keyof Listeners;
  type: string;
  protocol: 'tcp' | 'udp';
  subtypes?: string[];
  txt: Record<string, string>;
  /** Left out when this listener is on (one `_wot._tcp` instance, preferring HTTPS). */
  unless?: keyof Listeners;
}

const ROWS: readonly Row[] = [
  // W3C WoT Discovery §6.3 (DNS-SD): a directory is `_directory._sub._wot._tcp`; TXT `td` is the
  // path of its TD, `type` Thing or Directory, `scheme` http (the default) or https.
  { listener: 'https', type: 'wot', protocol: 'tcp', subtypes: ['directory'], txt: { td: '/.well-known/wot', type: 'Directory', scheme: 'https' } },
  { listener: 'http', type: 'wot', protocol: 'tcp', subtypes: ['directory'], txt: { td: '/.well-known/wot', type: 'Directory', scheme: 'http' }, unless: 'https' },
  // The web UI; `path` as in the _http._tcp entry of the DNS-SD service type registry (RFC 6763 §7).
  { listener: 'https', type: 'https', protocol: 'tcp', txt: { path: '/' } },
  { listener: 'http', type: 'http', protocol: 'tcp', txt: { path: '/' } },
  { listener: 'mqtt', type: 'mqtt', protocol: 'tcp', txt: {} },
  { listener: 'mqtts', type: 'secure-mqtt', protocol: 'tcp', txt: {} },
  // RFC 9176 §4: the resource directory is found by its resource type core.rd.
  { listener: 'coap', type: 'coap', protocol: 'udp', txt: { rt: 'core.rd' } },
];

/** 127.0.0.0/8 and ::1: a listener only this machine reaches is not advertised. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The services for these listeners: none for a listener that is off or bound to loopback. */
export function dnsSdServices(l: Listeners): DnsSdService[] {
  const out: DnsSdService[] = [];
  for (const row of ROWS) {
    const at = l[row.listener];
    if (!at || isLoopback(at.host) || (row.unless && usable(l[row.unless]))) continue;
    out.push({
      key: `${row.type}.${row.protocol}`,
      type: row.type,
      protocol: row.protocol,
      subtypes: row.subtypes ?? [],
      port: at.port,
      txt: row.txt,
    });
  }
  return out;
}

function usable(at: Listener | undefined): boolean {
  return at !== undefined && !isLoopback(at.host);
}
