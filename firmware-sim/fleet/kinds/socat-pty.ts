/**
 * A pseudo-terminal pair per serial device, joined by Debian's `socat`, at fixed symlink paths
 * (`<dir>/<device>.gw` for the gateway, `<dir>/<device>.dev` for the device), so the gateway can
 * be configured with its ends before the devices power on. Fails, never skips, without socat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BindingUnavailableError } from '../../../protocols/errors.js';

export class SocatPty {
  readonly gatewayPath: string;
  readonly devicePath: string;
  private proc: ChildProcess | null = null;

  constructor(dir: string, name: string) {
    this.gatewayPath = join(dir, `${name}.gw`);
    this.devicePath = join(dir, `${name}.dev`);
  }

  /** Starts socat and waits until both links exist. */
  async open(timeoutMs = 5000): Promise<void> {
    if (this.proc) return;
    const proc = spawn('socat', [`pty,raw,echo=0,link=${this.gatewayPath}`, `pty,raw,echo=0,link=${this.devicePath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    let failure: Error | null = null;
    let stderr = '';
    proc.on('error', (err) => (failure = new BindingUnavailableError(`socat could not start (apt-get install socat): ${err.message}`)));
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const end = Date.now() + timeoutMs;
    while (!(existsSync(this.gatewayPath) && existsSync(this.devicePath))) {
      if (failure) throw failure;
      if (proc.exitCode !== null) throw new BindingUnavailableError(`socat exited ${proc.exitCode}: ${stderr.trim()}`);
      if (Date.now() > end) throw new BindingUnavailableError(`socat ptys did not appear in ${timeoutMs} ms: ${stderr.trim()}`);
      await sleep(10);
    }
  }

  /** Stops socat: both ends go away. */
  close(): void {
    const proc = this.proc;
    this.proc = null;
    if (proc && proc.exitCode === null) proc.kill('SIGTERM');
  }
}
