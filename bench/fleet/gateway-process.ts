/**
 * A gateway in its own process for the fleet benchmark, so that the memory and CPU of the
 * simulator and of the gateway are measured apart (from /proc/<pid>).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  /**
   * Memory of the gateway after a full garbage collection in it (MiB): RSS and V8 heap used. RSS
   * read without a collection moves with the garbage the last seconds left behind.
   */
  memoryAfterGc(): Promise<MemoryAfterGc>;
  /** Bytes of its SQLite database file (roost.db, without the WAL). */
  databaseBytes(): number;
  /** Writes a V8 heap snapshot of the gateway to `path` (for profiling: chrome devtools, Memory tab). */
  heapSnapshot(path: string): Promise<void>;
  stop(): Promise<void>;
}

const PASSWORD = 'bench-fleet-password';

/** process.memoryUsage() of the gateway after a full collection, in MiB. */
export interface MemoryAfterGc {
  rssMiB: number;
  heapUsedMiB: number;
  /** V8's heap as committed (used, free and fragmented pages): what of the heap RSS can count. */
  heapTotalMiB: number;
  /** Memory of C++ objects bound to JavaScript objects, ArrayBuffers included. */
  externalMiB: number;
  /** ArrayBuffers and Buffers alone. */
  arrayBuffersMiB: number;
}

/**
 * Loaded into the gateway before cli/main.ts (node --import of a data: URL, so the gateway's own
 * code knows nothing of it): over the IPC channel it answers `gc` with its memory after a full
 * collection and `snapshot` by writing a heap snapshot. The channel is unref'd, so it never keeps
 * the gateway alive.
 */
const PROBE = `
import { writeHeapSnapshot } from 'node:v8';
process.channel?.unref();
process.on('message', (m) => {
  if (m?.op === 'gc') {
    globalThis.gc();
    const u = process.memoryUsage();
    process.send({ op: 'gc', rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, arrayBuffers: u.arrayBuffers });
  } else if (m?.op === 'snapshot') {
    writeHeapSnapshot(m.path);
    process.send({ op: 'snapshot' });
  }
});
`;

/**
 * `synchronous`: SQLite durability of the gateway's store (the appliance default is full);
 * `bindings`: more binding sections (a Zigbee coordinator port) beside the CoAP binding.
 */
/** How long the gateway process may take to start (BENCH_GATEWAY_START_MS overrides). */
const START_TIMEOUT_MS = Number(process.env['BENCH_GATEWAY_START_MS'] ?? 120_000);

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
  const child: ChildProcess = spawn(
    process.execPath,
    ['--expose-gc', '--import', `data:text/javascript,${encodeURIComponent(PROBE)}`, '--import', 'tsx', MAIN, 'start', '--config', cfg, '--data', join(dir, 'data')],
    { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  );
  const { coapPort, httpUrl, mqttUrl } = await new Promise<{ coapPort: number; httpUrl: string; mqttUrl: string | undefined }>((resolve, reject) => {
    let buf = '';
    // tsx compiles the gateway's sources at this start: 30 s was short twice on a loaded 2-core
    // machine. A start that fails still ends at once, through the child's exit below.
    const timer = setTimeout(() => reject(new Error(`gateway did not start in ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
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
  const ask = <T>(msg: { op: string; path?: string }): Promise<T> => new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not answer ${msg.op} in 120 s`)), 120_000);
    const onMessage = (m: { op: string }): void => {
      if (m.op !== msg.op) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send(msg);
  });
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
    async memoryAfterGc() {
      const m = await ask<{ rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number }>({ op: 'gc' });
      return { rssMiB: m.rss / 2 ** 20, heapUsedMiB: m.heapUsed / 2 ** 20, heapTotalMiB: m.heapTotal / 2 ** 20, externalMiB: m.external / 2 ** 20, arrayBuffersMiB: m.arrayBuffers / 2 ** 20 };
    },
    databaseBytes: () => statSync(join(dir, 'data', 'roost.db')).size,
    async heapSnapshot(path: string) {
      await ask({ op: 'snapshot', path });
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
