/**
 * An independent mDNS client for tests: Debian's avahi-daemon on its own D-Bus, inside one side of
 * a NetnsPair, and avahi-browse against it. /run/avahi-daemon is a tmpfs private to that daemon's
 * mount namespace, so an avahi-daemon of the machine (if any) is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsPair, NetnsSide } from '../../helpers/netns.js';

/** One resolved service as avahi-browse -p prints it. */
export interface Browsed {
  iface: string;
  proto: 'IPv4' | 'IPv6';
  name: string;
  type: string;
  host: string;
  address: string;
  port: number;
  txt: Record<string, string>;
}

const BUS_CONF = (socket: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/><allow user="*"/></policy>
</busconfig>
`;

// Its own host name, so that it never contends for the gateway's (the machine's) name.
const AVAHI_CONF = (dev: string) => `[server]
host-name=avahi-test-client
use-ipv4=yes
use-ipv6=yes
allow-interfaces=${dev}
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[publish]
disable-publishing=yes
[reflector]
[rlimits]
`;

/** `"k=v" "k2=v2"` -> { k: v, k2: v2 } */
export function parseTxt(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/"([^"=]*)=?([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

export class Avahi {
  private constructor(
    private readonly pair: NetnsPair,
    private readonly side: NetnsSide,
    private readonly bus: ChildProcess,
    private readonly daemon: ChildProcess,
    private readonly address: string,
    readonly log: () => string,
  ) {}

  static async start(pair: NetnsPair, side: NetnsSide, dir: string): Promise<Avahi> {
    const socket = join(dir, 'dbus.sock');
    writeFileSync(join(dir, 'bus.conf'), BUS_CONF(socket));
    writeFileSync(join(dir, 'avahi.conf'), AVAHI_CONF(side.dev));
    const bus = spawn('dbus-daemon', ['--config-file', join(dir, 'bus.conf'), '--nofork', '--nopidfile'], { stdio: 'ignore' });
    const address = `unix:path=${socket}`;
    await waitUntil(async () => existsSync(socket), 5000, () => 'dbus-daemon socket');
    const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: address };
    const daemon = pair.spawn(side, 'sh', ['-c', `mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon && exec avahi-daemon --no-chroot --no-drop-root --no-rlimits -f ${join(dir, 'avahi.conf')}`], env);
    let log = '';
    daemon.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    daemon.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    const a = new Avahi(pair, side, bus, daemon, address, () => log);
    await waitUntil(async () => log.includes('Server startup complete'), 15_000, () => `avahi-daemon start:\n${log}`).catch(async (err: unknown) => {
      await a.stop();
      throw err;
    });
    return a;
  }

  /** avahi-browse -rtp TYPE: what the daemon knows and resolves now. */
  async browse(type: string): Promise<Browsed[]> {
    const { stdout } = await this.pair.exec(this.side, 'avahi-browse', ['-rtp', '--no-db-lookup', type], { env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: this.address }, timeoutMs: 20_000 });
    const out: Browsed[] = [];
    for (const line of stdout.split('\n')) {
      const f = line.split(';');
      if (f[0] !== '=' || f.length < 10) continue;
      out.push({ iface: f[1]!, proto: f[2] as Browsed['proto'], name: unescapeName(f[3]!), type: f[4]!, host: f[6]!, address: f[7]!, port: Number(f[8]), txt: parseTxt(f.slice(9).join(';')) });
    }
    return out;
  }

  /** Browses until `ok` holds for the answer (mDNS probing and announcing take a few seconds). */
  async browseUntil(type: string, ok: (found: Browsed[]) => boolean, timeoutMs = 20_000): Promise<Browsed[]> {
    let last: Browsed[] = [];
    await waitUntil(async () => ok((last = await this.browse(type))), timeoutMs, () => `avahi-browse ${type}: ${JSON.stringify(last)}`);
    return last;
  }

  async stop(): Promise<void> {
    for (const p of [this.daemon, this.bus]) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await gone;
    }
  }
}

/** avahi-browse -p escapes instance names as in DNS (`\032` for a space, `\.` for a dot). */
function unescapeName(s: string): string {
  return s.replace(/\\(\d{3})/g, (_, d: string) => String.fromCharCode(Number(d))).replace(/\\(.)/g, '$1');
}

async function waitUntil(ok: () => Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
