/**
 * Finding the box on the LAN: the gateway's services over DNS-SD/mDNS (config section
 * `discovery`, docs/operations.md "Finding the box"). Follows the configuration: refresh() after
 * PATCH /config re-reads the listeners and the section; stop() says goodbye.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { DiscoveryConfig } from '../config/config.js';
import { dnsSdServices, type Listeners } from './dns-sd-services.js';
import { MdnsAdvertiser } from './mdns-advertiser.js';

export interface DiscoveryOptions {
  /** The live config section (changed in place by PATCH /config). */
  config: () => DiscoveryConfig;
  /** Where the gateway's listeners are bound now. */
  listeners: () => Listeners;
  logger: Logger;
}

/** The instance name unless configured: "Roost <host name>" (RFC 6763 §4.1.1: up to 63 bytes). */
export function defaultInstanceName(host = hostname()): string {
  return `Roost ${host}`.slice(0, 63);
}

export class Discovery {
  private advertiser: MdnsAdvertiser | null = null;
  /** The section the advertiser was made for: another name, host or interface list makes a new one. */
  private madeFor = '';
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: DiscoveryOptions) {}

  /** Advertises what is on now (one refresh at a time); errors are logged, never thrown. */
  refresh(): Promise<void> {
    this.queue = this.queue.then(() => this.apply()).catch((err: unknown) => this.o.logger.error({ err }, 'mdns: advertising failed'));
    return this.queue;
  }

  private async apply(): Promise<void> {
    const c = this.o.config();
    const services = c.mdns ? dnsSdServices(this.o.listeners()) : [];
    const key = JSON.stringify([c.instanceName, c.hostname, c.interface]);
    if (this.advertiser && (services.length === 0 || key !== this.madeFor)) {
      await this.advertiser.stop();
      this.advertiser = null;
    }
    if (services.length === 0) {
      if (c.mdns) this.o.logger.info('mdns: nothing to advertise (no listener reachable from the network)');
      return;
    }
    this.advertiser ??= new MdnsAdvertiser({
      name: c.instanceName ?? defaultInstanceName(), hostname: c.hostname ?? hostname(), ...(c.interface ? { interface: c.interface } : {}), logger: this.o.logger,
    });
    this.madeFor = key;
    await this.advertiser.apply(services);
  }

  /** Goodbye packets for everything advertised. */
  stop(): Promise<void> {
    this.queue = this.queue.then(async () => {
      await this.advertiser?.stop();
      this.advertiser = null;
    });
    return this.queue;
  }
}
