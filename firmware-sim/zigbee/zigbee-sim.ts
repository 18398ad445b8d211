/**
 * Programmatic API of the simulated Zigbee network: one emulated ZNP coordinator on a TCP
 * port (and optionally a pseudo-terminal) and any number of profile-driven devices. Tests,
 * demos and fleet scenarios drive devices through this object.
 */
import { randomBytes } from 'node:crypto';
import { ZnpEmulator, type ZnpEmulatorOptions } from './znp-emulator.js';
import { SimDevice } from './sim-device.js';
import { PROFILES, type DeviceProfile } from './profiles.js';
import { openPty, serveTcp, type PtyLink, type TcpLink } from './transports.js';

export interface ZigbeeSimOptions extends ZnpEmulatorOptions {
  host?: string;
  port?: number;
  /** Awake window of sleepy devices after they transmit. */
  awakeWindowMs?: number;
}

export interface ZigbeeSim {
  readonly emulator: ZnpEmulator;
  readonly tcp: TcpLink;
  /** `tcp://127.0.0.1:PORT` for herdsman's zstack adapter. */
  readonly url: string;
  /** Creates a device (not joined yet) from a profile or a profile name. */
  addDevice(profile: DeviceProfile | string, ieee?: string): SimDevice;
  /** Joins devices once the host has permitted joining; resolves when each join was announced. */
  join(devices: SimDevice | SimDevice[], opts?: { force?: boolean }): void;
  /**
   * Attaches devices that are already members of the network this stick carries (e.g. moved
   * from another sim whose stick was replaced): they report through this coordinator without
   * joining again. Throws NotAMemberError for a device of another network.
   */
  attach(devices: SimDevice | SimDevice[]): void;
  /** Waits until the host opens joining (permit join), up to timeoutMs. */
  waitForPermitJoin(timeoutMs: number): Promise<void>;
  openPty(path: string): Promise<PtyLink>;
  readonly devices: SimDevice[];
  close(): Promise<void>;
}

export async function startZigbeeSim(opts: ZigbeeSimOptions = {}): Promise<ZigbeeSim> {
  const emulator = new ZnpEmulator(opts);
  const tcp = await serveTcp(emulator, { host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const devices: SimDevice[] = [];
  const ptys: PtyLink[] = [];
  const awakeWindowMs = opts.awakeWindowMs ?? 3000;
  return {
    emulator,
    tcp,
    url: tcp.url,
    devices,
    addDevice(profile, ieee) {
      const p = typeof profile === 'string' ? PROFILES[profile] : profile;
      if (!p) throw new Error(`no Zigbee device profile ${String(profile)} (known: ${Object.keys(PROFILES).join(', ')})`);
      const d = new SimDevice(p, { ieee: (ieee ?? `0x${randomBytes(8).toString('hex')}`).toLowerCase(), awakeWindowMs });
      devices.push(d);
      return d;
    },
    join(list, joinOpts = {}) {
      for (const d of Array.isArray(list) ? list : [list]) emulator.join(d, joinOpts);
    },
    attach(list) {
      for (const d of Array.isArray(list) ? list : [list]) {
        emulator.attach(d);
        if (!devices.includes(d)) devices.push(d);
      }
    },
    async waitForPermitJoin(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!emulator.joinPermitted) {
        if (Date.now() > deadline) throw new Error(`the host did not permit joining within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async openPty(path) {
      const link = await openPty(tcp, path);
      ptys.push(link);
      return link;
    },
    async close() {
      for (const p of ptys) await p.close();
      await tcp.close();
      emulator.close();
    },
  };
}
