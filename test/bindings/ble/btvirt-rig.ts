/**
 * The real-stack rig: BlueZ's emulator (btvirt, Debian bluez-test-tools) in server mode with
 * the AF_ALG shim preloaded, and one socat pty bridge per emulated LE controller. Fails (not
 * skips) when btvirt, socat or gcc is missing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../../helpers/temp-dir.js';

const SHIM_SOURCE = new URL('./af-alg-shim.c', import.meta.url).pathname;
/** btvirt -s listens here (fixed by btvirt). */
const LE_SERVER = '/tmp/bt-server-le';

function requireTool(name: string, pkg: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} not found: install Debian package ${pkg} (make setup does)`);
  }
}

/** Builds the shim once per source version (cached in the temp dir). */
export function buildShim(): string {
  const gcc = requireTool('gcc', 'gcc');
  const src = readFileSync(SHIM_SOURCE);
  const out = join(tmpdir(), `roost-af-alg-shim-${createHash('sha256').update(src).digest('hex').slice(0, 12)}.so`);
  if (!existsSync(out)) execFileSync(gcc, ['-shared', '-fPIC', '-O2', '-o', out, SHIM_SOURCE, '-ldl']);
  return out;
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface BtvirtRig {
  /** One pty path per controller. */
  ports: string[];
  stop(): Promise<void>;
}

export async function startBtvirt(controllers: number): Promise<BtvirtRig> {
  const btvirt = requireTool('btvirt', 'bluez-test-tools');
  const socat = requireTool('socat', 'socat');
  const shim = buildShim();
  const dir = tempDir('roost-btvirt-');
  const procs: ChildProcess[] = [];
  const stop = async () => {
    for (const p of procs.reverse()) if (p.exitCode === null) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    rmSync(LE_SERVER, { force: true });
    // -l0: no kernel (vhci) controllers; -s: a new LE controller for every client of /tmp/bt-server-le.
    const emu = spawn(btvirt, ['-s', '-l0'], { env: { ...process.env, LD_PRELOAD: shim }, stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(emu);
    await until('btvirt server socket', () => existsSync(LE_SERVER) || emu.exitCode !== null, 5000);
    if (emu.exitCode !== null) throw new Error(`btvirt exited with ${emu.exitCode}`);
    const ports: string[] = [];
    for (let i = 0; i < controllers; i++) {
      const link = join(dir, `hci${i}`);
      const s = spawn(socat, [`PTY,link=${link},raw,echo=0`, `UNIX-CONNECT:${LE_SERVER}`], { stdio: 'ignore' });
      procs.push(s);
      await until(`pty ${link}`, () => existsSync(link) || s.exitCode !== null, 5000);
      if (s.exitCode !== null) throw new Error(`socat exited with ${s.exitCode} (btvirt refused the controller?)`);
      ports.push(link);
    }
    return { ports, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A firmware-sim device on bleno in a child process (firmware-sim/ble/bleno-main.ts). */
export class BlenoDevice {
  readonly lines: Array<Record<string, unknown>> = [];
  address = '';
  private constructor(private readonly proc: ChildProcess) {}

  static async start(port: string, kind: 'gatt' | 'bthome', extra: string[] = []): Promise<BlenoDevice> {
    const main = new URL('../../../firmware-sim/ble/bleno-main.ts', import.meta.url).pathname;
    const proc = spawn(process.execPath, ['--import', 'tsx', main, '--uart', port, '--kind', kind, ...extra], { stdio: ['pipe', 'pipe', 'inherit'] });
    const dev = new BlenoDevice(proc);
    let buf = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) dev.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    await dev.waitFor('ready', 15000);
    dev.address = String(dev.lines.find((l) => l['event'] === 'ready')?.['address']);
    return dev;
  }

  send(cmd: Record<string, unknown>): void {
    this.proc.stdin?.write(`${JSON.stringify(cmd)}\n`);
  }

  count(event: string): number {
    return this.lines.filter((l) => l['event'] === event).length;
  }

  async waitFor(event: string, timeoutMs: number, n = 1): Promise<void> {
    await until(`${event} from the bleno device`, () => this.count(event) >= n || this.proc.exitCode !== null, timeoutMs);
    const err = this.lines.find((l) => l['event'] === 'error');
    if (this.count(event) < n) throw new Error(`bleno device exited: ${JSON.stringify(err ?? this.proc.exitCode)}`);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    this.send({ cmd: 'exit' });
    await new Promise((r) => {
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        r(undefined);
      });
    });
  }
}

export { until };
