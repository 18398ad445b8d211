/**
 * Host links for the emulated coordinator: a TCP server (what network-attached sticks such
 * as a TubesZB or an SLZB offer, `tcp://host:port` in herdsman) and a pseudo-terminal made
 * by socat (what a USB stick looks like: a tty path). The emulator keeps its NV memory when
 * the link goes down, like a stick unplugged and plugged in again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { ZnpEmulator } from './znp-emulator.js';

export interface TcpLink {
  readonly host: string;
  readonly port: number;
  /** `tcp://host:port`, the path herdsman's zstack adapter accepts. */
  readonly url: string;
  /** Drops the connection and stops listening (the coordinator disappears). */
  unplug(): Promise<void>;
  /** Listens again on the same port. */
  plugIn(): Promise<void>;
  close(): Promise<void>;
}

export async function serveTcp(emu: ZnpEmulator, opts: { host?: string; port?: number } = {}): Promise<TcpLink> {
  const host = opts.host ?? '127.0.0.1';
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    const s = createServer((sock) => {
      sock.setNoDelay(true);
      for (const old of sockets) old.destroy();
      sockets.add(sock);
      const link = emu.connect((b) => sock.write(b));
      sock.on('data', (chunk) => link.receive(chunk));
      sock.on('close', () => {
        sockets.delete(sock);
        link.close();
      });
      sock.on('error', () => sock.destroy());
    });
    s.once('error', reject);
    s.listen(port, host, () => {
      server = s;
      const addr = s.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
  const port = await listen(opts.port ?? 0);
  const stop = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    const s = server;
    server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  return {
    host,
    port,
    url: `tcp://${host}:${port}`,
    unplug: stop,
    async plugIn() {
      if (!server) await listen(port);
    },
    close: stop,
  };
}

export interface PtyLink {
  /** The tty path a host opens (a symlink to /dev/pts/N). */
  readonly path: string;
  close(): Promise<void>;
}

/**
 * A pseudo-terminal bridged by socat to the emulator's TCP port. socat must be installed
 * (Debian package `socat`); its absence is an error, not a skip.
 */
export async function openPty(tcp: TcpLink, path: string, opts: { timeoutMs?: number } = {}): Promise<PtyLink> {
  const child: ChildProcess = spawn('socat', [`PTY,link=${path},raw,echo=0`, `TCP:${tcp.host}:${tcp.port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`socat could not start (is the Debian package socat installed?): ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`socat exited with ${code}: ${stderr.trim()}`)));
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  const ready = (async () => {
    while (!existsSync(path)) {
      if (Date.now() > deadline) throw new Error(`socat did not create ${path}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await Promise.race([ready, failed]);
  failed.catch(() => undefined);
  return {
    path,
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
