/**
 * Debian's mosquitto (2.0.x) as the upstream broker of uplink tests: 127.0.0.1, a free port found
 * by binding port 0, a password file, persistence in a temp dir (so a stop and start keeps the
 * subscribers' sessions), no cap on queued messages (its default of 1000 drops QoS 1 under load).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../../helpers/temp-dir.js';

export interface Mosquitto {
  port: number;
  url: string;
  dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = tcpConnect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`mosquitto not listening on ${port}`);
    await sleep(50);
  }
}

/** Users as `name: password`; `extra` lines go into the config file as they are. */
export async function startMosquitto(users: Record<string, string>, extra: string[] = []): Promise<Mosquitto> {
  const dir = tempDir('roost-mosq-');
  const port = await freePort();
  const pw = join(dir, 'passwd');
  writeFileSync(pw, '');
  for (const [u, p] of Object.entries(users)) execFileSync('mosquitto_passwd', ['-b', pw, u, p]);
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous false',
    `password_file ${pw}`,
    'persistence true',
    `persistence_location ${dir}/`,
    'max_queued_messages 0',
    'max_inflight_messages 0',
    'log_dest none',
    // Started as root (containers), mosquitto would switch to the user mosquitto, who cannot read the temp dir.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    ...extra,
    '',
  ].join('\n'));
  let child: ChildProcess | null = null;
  const m: Mosquitto = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    async start() {
      child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
      await listening(port);
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => { c.kill('SIGKILL'); })]);
    },
    async close() {
      await m.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await m.start();
  return m;
}
