/**
 * A gateway in its own process for the fleet benchmark, so that the memory and CPU of the
 * simulator and of the gateway are measured apart (from /proc/<pid>).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../test/helpers/gateway.js';

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const CLK_TCK = 100;

export interface GatewayProcess {
  coapPort: number;
  /** Base URL of its HTTP API. */
  httpUrl: string;
  /** URL of its MQTT broker (TCP), when it serves one. */
  mqttUrl: string | undefined;
  /** Its admin password (user admin). */
  password: string;
  /** Resident set size of the gateway process (MiB). */
  rssMiB(): number;
  /** Its peak resident set size so far (MiB): steadier than RSS, which moves with each garbage collection. */
  peakRssMiB(): number;
  /** CPU seconds the gateway process used so far (user + system). */
  cpuS(): number;
  stop(): Promise<void>;
}

const PASSWORD = 'bench-fleet-password';

/**
 * `synchronous`: SQLite durability of the gateway's store (the appliance default is full);
 * `bindings`: more binding sections (a Zigbee coordinator port) beside the CoAP binding.
 */
export async function startGatewayProcess(synchronous: 'full' | 'normal' = 'full', bindings: Record<string, unknown> = {}): Promise<GatewayProcess> {
  const dir = tempDir('roost-bench-fleet-');
  const cfg = join(dir, 'roost.yaml');
  // JSON is YAML too.
  writeFileSync(cfg, JSON.stringify({
    log: { level: 'info' },
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    auth: { adminPassword: PASSWORD },
    store: { synchronous },
    // The simulated fleet's devices are let in as they come (docs/security.md, policy open), in plain CoAP;
    // roost start's TLS and hardware detection stay off in a benchmark.
    onboarding: { defaultPolicy: 'open' },
    tls: { enabled: false },
    detect: { enabled: false },
    bindings: {
      system: { enabled: false },
      coap: { enabled: true, host: '127.0.0.1', port: 0, security: 'none', registrationsPerMinutePerAddress: 1000000 },
      ...bindings,
    },
  }));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, 'start', '--config', cfg, '--data', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { coapPort, httpUrl, mqttUrl } = await new Promise<{ coapPort: number; httpUrl: string; mqttUrl: string | undefined }>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('gateway did not start in 30 s')), 30000);
    const onData = (c: Buffer): void => {
      buf += c.toString();
      const lines = buf.split('\n');
      const coap = lines.find((l) => l.includes('coap binding listening'));
      const started = lines.find((l) => l.includes('roost gateway started'));
      if (!coap || !started) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      const s = JSON.parse(started) as { http: string; mqtt?: string };
      resolve({ coapPort: (JSON.parse(coap) as { address: { port: number } }).address.port, httpUrl: s.http, mqttUrl: s.mqtt });
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  child.stdout!.resume();
  const pid = child.pid!;
  return {
    coapPort,
    httpUrl,
    mqttUrl,
    password: PASSWORD,
    rssMiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    peakRssMiB: () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    cpuS: () => {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime (proc(5) fields 14, 15)
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
