/**
 * A pair of pseudo-terminals joined by Debian's `socat` (a real peer nobody here wrote), at fixed
 * symlink paths so that killing socat makes both paths disappear and restarting brings them back:
 * unplug and replug. Fails (never skips) when socat is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../../helpers/temp-dir.js';

export class SocatPair {
  readonly dir = tempDir('roost-serial-');
  /** The gateway's end and the device's end. */
  readonly gatewayPath = join(this.dir, 'gw');
  readonly devicePath = join(this.dir, 'dev');
  private proc: ChildProcess | null = null;

  /** Starts socat and waits until both pty links exist. */
  async plug(timeoutMs = 5000): Promise<void> {
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.gatewayPath}`, `pty,raw,echo=0,link=${this.devicePath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    let failure: Error | null = null;
    proc.on('error', (err) => (failure = new Error(`socat could not start (apt-get install socat): ${err.message}`)));
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const end = Date.now() + timeoutMs;
    while (!(existsSync(this.gatewayPath) && existsSync(this.devicePath))) {
      if (failure) throw failure;
      if (proc.exitCode !== null) throw new Error(`socat exited ${proc.exitCode}: ${stderr}`);
      if (Date.now() > end) throw new Error(`socat ptys did not appear in ${timeoutMs} ms: ${stderr}`);
      await sleep(10);
    }
  }

  /** Kills socat: both ptys and their paths go away. */
  async unplug(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
    const end = Date.now() + 2000;
    while ((existsSync(this.gatewayPath) || existsSync(this.devicePath)) && Date.now() < end) await sleep(10);
  }

  async close(): Promise<void> {
    await this.unplug();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
