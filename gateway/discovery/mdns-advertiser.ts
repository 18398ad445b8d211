/**
 * Advertises DNS-SD services over mDNS (RFC 6762) with bonjour-service. Measured here against
 * @homebridge/ciao 1.3.12 with avahi-browse in a network namespace: ciao probes each service's
 * host name on its own and takes a host name its own announced service holds for a conflict, so
 * six services came out as six host names (`vm-(2).local` ... `vm-(6).local`) that the TLS
 * certificate does not name. bonjour-service gives every service the one host `<hostname>.local`
 * (the certificate's name), probes the instance name, and sends goodbyes on unpublish. Its limits:
 * IPv4 only, one interface address to advertise on (or all), and no in-place TXT change (a changed
 * service is withdrawn and published again).
 */
import type { Logger } from 'pino';
import type { Bonjour, Service } from 'bonjour-service';
import type { DnsSdService } from './dns-sd-services.js';

export interface AdvertiserOptions {
  /** DNS-SD instance name, the same for every service ("Roost <host>"). */
  name: string;
  /** mDNS host name without `.local`. */
  hostname: string;
  /** IPv4 address of the one interface to advertise on; undefined: every interface. */
  interface?: string;
  logger: Logger;
}

interface Live {
  service: Service;
  /** Port, subtypes and TXT: any change withdraws and publishes again. */
  shape: string;
}

const shapeOf = (s: DnsSdService): string => JSON.stringify([s.port, s.subtypes, s.txt]);

export class MdnsAdvertiser {
  private bonjour: Bonjour | null = null;
  private readonly live = new Map<string, Live>();

  constructor(private readonly o: AdvertiserOptions) {}

  /** The services advertised: what is new is probed and announced, what is gone says goodbye. */
  async apply(services: readonly DnsSdService[]): Promise<void> {
    const wanted = new Map(services.map((s) => [s.key, s]));
    for (const [key, l] of this.live) {
      const next = wanted.get(key);
      if (next && shapeOf(next) === l.shape) continue;
      this.live.delete(key);
      await new Promise<void>((resolve) => l.service.stop?.(() => resolve()));
    }
    for (const s of services) if (!this.live.has(s.key)) await this.advertise(s);
  }

  private async advertise(s: DnsSdService): Promise<void> {
    if (!this.bonjour) {
      const { Bonjour: Impl } = await import('bonjour-service');
      // The first argument goes to multicast-dns (its `interface`), though typed as a service's config.
      const mdnsOptions = (this.o.interface ? { interface: this.o.interface } : {}) as ConstructorParameters<typeof Impl>[0];
      this.bonjour = new Impl(mdnsOptions, (err: Error) => this.o.logger.error({ err }, 'mdns: socket error'));
    }
    const service = this.bonjour.publish({
      name: this.o.name, host: `${this.o.hostname}.local`, type: s.type, protocol: s.protocol, port: s.port, txt: s.txt,
      ...(s.subtypes.length > 0 ? { subtypes: s.subtypes } : {}),
    });
    service.on('error', (err: Error) => this.o.logger.warn({ err: err.message, service: s.key }, 'mdns: cannot advertise'));
    this.live.set(s.key, { service, shape: shapeOf(s) });
    this.o.logger.info({ service: `_${s.type}._${s.protocol}`, name: this.o.name, host: `${this.o.hostname}.local`, port: s.port, txt: s.txt }, 'mdns: advertising');
  }

  /** Goodbye packets for every service (RFC 6762 §10.1), then the socket closes. */
  async stop(): Promise<void> {
    this.live.clear();
    const b = this.bonjour;
    this.bonjour = null;
    if (!b) return;
    await new Promise<void>((resolve) => b.unpublishAll(() => resolve()));
    await new Promise<void>((resolve) => b.destroy(() => resolve()));
  }
}
