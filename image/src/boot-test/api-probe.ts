/**
 * Does this build's gateway serve its HTTP API? Runs the same bundle the image ships, on the
 * build machine, on a free 127.0.0.1 port, and asks /healthz. The boot test checks the HTTP API
 * inside the VM only when the gateway has one (ARCHITECTURE.md: /healthz, /auth/token, /things).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitHealthy } from '../device/health.js';
import { freePort } from './qemu-vm.js';

export interface ApiProbe {
  hasApi: boolean;
  detail: string;
}

export async function probeGatewayApi(bundle: string, timeoutMs = 20_000): Promise<ApiProbe> {
  const dir = mkdtempSync(join(tmpdir(), 'roost-api-probe-'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.yaml'), `http:\n  host: 127.0.0.1\n  port: ${port}\nmqtt:\n  enabled: false\nlog:\n  level: warn\n`);
  const child = spawn(process.execPath, [bundle, 'start', '--config', join(dir, 'config.yaml'), '--data', join(dir, 'data')], {
    stdio: 'ignore',
    env: { ...process.env, ROOST_ADMIN_PASSWORD: 'probe-password-1' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const health = await waitHealthy(`http://127.0.0.1:${port}/healthz`, {
      timeoutMs,
      intervalMs: 250,
      giveUp: () => (child.exitCode !== null ? `roost start exited with code ${child.exitCode}` : null),
    });
    return { hasApi: health.healthy, detail: health.healthy ? `/healthz answered after ${health.waitedMs} ms` : health.lastError };
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
