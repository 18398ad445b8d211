/**
 * A private network for tests that multicast (mDNS, CoAP group requests): two network namespaces
 * made with `ip netns` and joined by a veth pair, A at 10.77.0.1/24 and B at 10.77.0.2/24, with
 * IPv6 link-local addresses. Nothing in them reaches this machine's interfaces or its LAN. Needs
 * root (CAP_SYS_ADMIN and CAP_NET_ADMIN); a machine without them fails the test, it is not skipped.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NetnsSide {
  /** Namespace name (for `ip netns exec`). */
  ns: string;
  /** The veth end inside it. */
  dev: string;
  ipv4: string;
}

export class NetnsPair {
  private constructor(readonly a: NetnsSide, readonly b: NetnsSide) {}

  static async create(): Promise<NetnsPair> {
    const id = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
    const a: NetnsSide = { ns: `roost-${id}-a`, dev: `ra${id}`.slice(0, 15), ipv4: '10.77.0.1' };
    const b: NetnsSide = { ns: `roost-${id}-b`, dev: `rb${id}`.slice(0, 15), ipv4: '10.77.0.2' };
    const pair = new NetnsPair(a, b);
    try {
      await ip('netns', 'add', a.ns);
      await ip('netns', 'add', b.ns);
      await ip('link', 'add', a.dev, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns);
      for (const s of [a, b]) {
        // No duplicate address detection: the link-local address is usable at once.
        await run('ip', ['netns', 'exec', s.ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', `net.ipv6.conf.${s.dev}.accept_dad=0`]);
        await ip('-n', s.ns, 'addr', 'add', `${s.ipv4}/24`, 'dev', s.dev);
        await ip('-n', s.ns, 'link', 'set', 'lo', 'up');
        await ip('-n', s.ns, 'link', 'set', s.dev, 'up');
        // Multicast leaves by the veth (there is no default route in a fresh namespace).
        await ip('-n', s.ns, 'route', 'add', '224.0.0.0/4', 'dev', s.dev);
      }
      await pair.waitLinkLocal();
    } catch (err) {
      await pair.close();
      throw new Error(`cannot make a private network with ip netns (root needed): ${(err as Error).message}`);
    }
    return pair;
  }

  private async waitLinkLocal(): Promise<void> {
    const end = Date.now() + 10_000;
    for (const s of [this.a, this.b]) {
      while (!(await run('ip', ['-n', s.ns, '-6', 'addr', 'show', 'dev', s.dev])).stdout.match(/inet6 fe80::[^ ]+ scope link(?! tentative)/)) {
        if (Date.now() > end) throw new Error(`no IPv6 link-local address on ${s.dev}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Runs a command in a namespace to its end. */
  exec(side: NetnsSide, cmd: string, args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
    return run('ip', ['netns', 'exec', side.ns, cmd, ...args], { timeout: opts.timeoutMs ?? 30_000, ...(opts.env ? { env: opts.env } : {}), maxBuffer: 16 * 1024 * 1024 });
  }

  /** Starts a long-running command in a namespace. */
  spawn(side: NetnsSide, cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess {
    return spawn('ip', ['netns', 'exec', side.ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
  }

  /** Deletes both namespaces (the veth pair goes with them). */
  async close(): Promise<void> {
    for (const s of [this.a, this.b]) await ip('netns', 'del', s.ns).catch(() => undefined);
  }
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}
