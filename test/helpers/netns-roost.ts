/** The gateway as `roost start` runs it, a child process inside one side of a NetnsPair, with the ports it logged. */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NetnsPair, NetnsSide } from './netns.js';

const main = fileURLToPath(new URL('./netns-gateway-main.ts', import.meta.url));

export interface RoostInNetns {
  proc: ChildProcess;
  /** Ports from the `roost gateway started` log line. */
  ports: { http?: number; https?: number; mqtt?: number; mqtts?: number };
  output(): string;
  /** SIGTERM, then the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Starts the gateway with these config lines and start-defaults.ts, data in <dir>/data; waits for `roost gateway started`. */
export async function startRoostInNetns(pair: NetnsPair, side: NetnsSide, dir: string, configLines: readonly string[], timeoutMs = 60_000): Promise<RoostInNetns> {
  const cfg = join(dir, 'roost.yaml');
  writeFileSync(cfg, `${configLines.join('\n')}\n`);
  const env = { ...process.env };
  delete env['ROOST_ADMIN_PASSWORD'];
  const proc = pair.spawn(side, process.execPath, ['--import', 'tsx', main, cfg, join(dir, 'data')], env);
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const end = Date.now() + timeoutMs;
  let line: string | undefined;
  while (!(line = out.split('\n').find((l) => l.includes('"roost gateway started"')))) {
    if (proc.exitCode !== null || Date.now() > end) throw new Error(`roost start in ${side.ns} did not start:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const started = JSON.parse(line) as Record<string, string | undefined>;
  const port = (u: string | undefined) => (u ? Number(new URL(u).port) : undefined);
  const ports: RoostInNetns['ports'] = {};
  for (const k of ['http', 'https', 'mqtt', 'mqtts'] as const) {
    const p = port(started[k]);
    if (p !== undefined) ports[k] = p;
  }
  return {
    proc, ports, output: () => out,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
