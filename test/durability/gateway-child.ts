/**
 * A gateway in a child process (`roost start --config FILE --data DIR`) that can be killed with
 * SIGKILL and started again on the same data directory. Ports are 0: after every start the ports
 * come from the gateway's own log lines (`coap binding listening`, `roost gateway started`), then
 * `/healthz` must answer 200. Every wait is bounded; the last output lines go into errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const TAIL_LINES = 60;

export interface GatewayChildOptions {
  /** Directory for the config file; the data dir is `<dir>/data`. */
  dir: string;
  /** The config (written as JSON, which is YAML too). */
  config: Record<string, unknown>;
  /** Spawn to ready (ports known, /healthz 200). */
  readyTimeoutMs?: number;
}

export interface StartFigures {
  /** Spawn to /healthz 200. */
  readyMs: number;
}

export class GatewayChild {
  readonly dataDir: string;
  private readonly configPath: string;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly tail: string[] = [];
  private httpUrlNow: string | null = null;
  private coapPortNow: number | null = null;
  /** Starts so far. */
  starts = 0;

  constructor(private readonly opts: GatewayChildOptions) {
    this.dataDir = join(opts.dir, 'data');
    this.configPath = join(opts.dir, 'roost.json');
    // `roost start` turns on TLS (8443, 8883) and hardware detection: test gateways bind port 0 only
    // and leave this machine's hardware alone, unless the test's config says otherwise.
    writeFileSync(this.configPath, JSON.stringify({ tls: { enabled: false }, detect: { enabled: false }, ...opts.config }, null, 2));
  }

  /** True between ready and kill. */
  get up(): boolean {
    return this.httpUrlNow !== null && this.coapPortNow !== null;
  }

  get httpUrl(): string {
    if (!this.httpUrlNow) throw new Error('gateway is not up');
    return this.httpUrlNow;
  }

  /** The CoAP port of the running gateway, or null while it is down. */
  get coapPort(): number | null {
    return this.coapPortNow;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the gateway wrote (stdout and stderr), for failure messages. */
  outputTail(): string {
    return this.tail.join('\n');
  }

  private remember(line: string): void {
    this.tail.push(line.length > 400 ? `${line.slice(0, 400)}...` : line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }

  async start(): Promise<StartFigures> {
    if (this.child) throw new Error('gateway already running');
    const t0 = performance.now();
    this.starts++;
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'start', '--config', this.configPath, '--data', this.dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let http: string | null = null;
    let coap: number | null = null;
    let buf = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.remember(line);
        if (line.includes('coap binding listening')) coap = (JSON.parse(line) as { address: { port: number } }).address.port;
        else if (line.includes('roost gateway started')) http = (JSON.parse(line) as { http: string }).http;
      }
    });
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const lines = err.split('\n');
      err = lines.pop()!;
      for (const l of lines) this.remember(`stderr: ${l}`);
    });
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 30000);
    while (http === null || coap === null) {
      if (child.exitCode !== null || child.signalCode !== null) throw this.failure(`gateway exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      if (Date.now() > deadline) throw this.failure('gateway did not log its ports in time');
      await sleep(20);
    }
    while (!(await healthy(http))) {
      if (child.exitCode !== null || child.signalCode !== null) throw this.failure('gateway exited before /healthz answered');
      if (Date.now() > deadline) throw this.failure('/healthz did not answer 200 in time');
      await sleep(50);
    }
    this.httpUrlNow = http;
    this.coapPortNow = coap;
    return { readyMs: performance.now() - t0 };
  }

  /** SIGKILL, then waits for the process to be gone. */
  async kill9(): Promise<void> {
    const child = this.child;
    this.httpUrlNow = null;
    this.coapPortNow = null;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  /** SIGTERM (a graceful stop), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    this.httpUrlNow = null;
    this.coapPortNow = null;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.child = null;
  }

  /** Synchronous last resort (process exit handlers): kills the child if it still runs. */
  killNow(): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private failure(what: string): Error {
    return new Error(`${what}; last output:\n${this.outputTail()}`);
  }
}

async function healthy(httpUrl: string): Promise<boolean> {
  try {
    const r = await fetch(`${httpUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}
